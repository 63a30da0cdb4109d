using System.CommandLine;
using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using OpenBekenHub.History;
using OpenBekenHub.Store;

namespace OpenBekenHub.Cli;

/// <summary>
/// <c>obkhub bench history</c>: a year of meter readings (one per plug per minute) for 100 plugs pushed through the
/// recorder on a stepped clock, so minutes, hour roll-ups and pruning run exactly as in the hub; then the charts a
/// device page asks for are read. Prints write rate, file size, bytes per plug and query times.
/// </summary>
public static class BenchHistoryCommand
{
    public static Command Create()
    {
        var command = new Command("history", "Benchmark the power history store: a year of minute data for N plugs, then chart queries");
        var plugs = new Option<int>("--plugs") { Description = "Metering plugs", DefaultValueFactory = _ => 100 };
        var days = new Option<int>("--days") { Description = "Days of minute readings to write", DefaultValueFactory = _ => 365 };
        var dir = new Option<string?>("--data") { Description = "Directory for the database (default: a new temporary one, deleted after)" };
        command.Options.Add(plugs);
        command.Options.Add(days);
        command.Options.Add(dir);
        command.SetAction(async (parse, ct) => await RunAsync(parse.GetValue(plugs), parse.GetValue(days), parse.GetValue(dir), Console.Out, ct));
        return command;
    }

    public static async Task<int> RunAsync(int plugCount, int days, string? directory, TextWriter output, CancellationToken ct)
    {
        var temporary = directory is null;
        directory ??= Path.Combine(Path.GetTempPath(), "obkhub-bench-history-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var hub = new HubStore(Path.Combine(directory, "history-bench.db"));
        try
        {
            await hub.MigrateAsync(ct);
            var store = new HistoryStore(hub);
            var end = DateTimeOffset.UtcNow;
            end = end.AddSeconds(-(end.ToUnixTimeSeconds() % 86400));
            var clock = new SteppedClock(end.AddDays(-days));
            var recorder = new HistoryRecorder(store, clock, NullLogger<HistoryRecorder>.Instance);
            var ids = Enumerable.Range(0, plugCount).Select(i => $"bench{i:x8}").ToArray();
            var kwh = new double[plugCount];
            await output.WriteLineAsync($"Writing {days} days x 1440 minutes x {plugCount} plugs ({(long)days * 1440 * plugCount:N0} readings) through the recorder…");
            var write = Stopwatch.StartNew();
            for (var day = 0; day < days; day++)
            {
                var dayStart = clock.GetUtcNow();
                for (var minute = 0; minute < 1440; minute++)
                {
                    var at = dayStart.AddSeconds((minute * 60) + 30);
                    for (var p = 0; p < plugCount; p++)
                    {
                        var watts = Load(p, minute);
                        kwh[p] += watts / 60_000.0;
                        recorder.Observe(ids[p], at, watts, kwh[p]);
                    }
                }
                clock.Now = dayStart.AddDays(1);
                await recorder.FlushAsync(ct);
                if ((day + 1) % 30 == 0 || day == days - 1)
                {
                    await output.WriteLineAsync($"  day {day + 1}: {write.Elapsed.TotalSeconds:0} s");
                }
            }
            write.Stop();
            await using (var connection = await hub.OpenAsync(ct))
            {
                using var checkpoint = connection.Command("PRAGMA wal_checkpoint(TRUNCATE);");
                await checkpoint.ExecuteNonQueryAsync(ct);
            }
            var (minutes, hours) = await store.CountAsync(ct);
            var size = new FileInfo(hub.DatabasePath).Length;
            var readings = (double)days * 1440 * plugCount;
            await output.WriteLineAsync($"Wrote {readings:N0} readings in {write.Elapsed.TotalSeconds:0.0} s ({readings / write.Elapsed.TotalSeconds:N0}/s)");
            await output.WriteLineAsync($"Kept {minutes:N0} minute rows (7 days) and {hours:N0} hour rows; file {size / 1048576.0:0.0} MiB = {size / plugCount / 1024.0:0} KiB per plug");

            var query = new HistoryQuery(store, recorder, clock);
            var now = clock.GetUtcNow();
            foreach (var (name, from, quantity, step) in new[]
            {
                ("hour (power)", now.AddHours(-1), "power", (int?)null),
                ("day (power)", now.AddDays(-1), "power", null),
                ("week (power)", now.AddDays(-7), "power", null),
                ("year (power)", now.AddDays(-365), "power", null),
                ("30 days (kWh per day)", now.AddDays(-30), "energy", 86400),
            })
            {
                var times = new List<double>();
                var points = 0;
                for (var i = 0; i < 21; i++)
                {
                    var sw = Stopwatch.StartNew();
                    var series = await query.GetAsync(ids[i % plugCount], quantity, from, now, step, ct);
                    times.Add(sw.Elapsed.TotalMilliseconds);
                    points = series.Points.Count;
                }
                var first = times[0];
                times.RemoveAt(0);
                times.Sort();
                await output.WriteLineAsync($"  {name}: {points} points, first {first:0.0} ms, median {times[times.Count / 2]:0.00} ms, max {times[^1]:0.00} ms");
            }
            return 0;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (temporary)
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    /// <summary>A plug's load: a base, a daily curve and a cycling appliance, different per plug.</summary>
    private static double Load(int plug, int minute)
    {
        var daily = 0.5 + (0.5 * Math.Sin((minute / 1440.0 * 2 * Math.PI) + plug));
        var cycling = (minute + (plug * 7)) % 30 < 12 ? 80 : 0;
        return Math.Round((5 + (plug % 10 * 20 * daily) + cycling) * 100) / 100;
    }

    /// <summary>A clock the benchmark moves by hand (a day at a time).</summary>
    private sealed class SteppedClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
