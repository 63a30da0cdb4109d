using OpenBekenHub.Mqtt.State;
using System.CommandLine;
using System.Diagnostics;
using OpenBekenHub.Hosting;
using OpenBekenHub.Library;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Ota;
using OpenBekenHub.Simulators.Images;
using OpenBekenHub.Simulators.Plugs;

namespace OpenBekenHub.Cli;

/// <summary>
/// <c>obkhub bench ota</c>: a real hub (Kestrel, embedded broker, SQLite) and N simulated BK7231N plugs in this process;
/// one staged rollout over loopback with the plugs' firmware pacing (10 ms per 255-byte piece by default). Reports the
/// time per wave, bytes served and the process's peak RSS (hub and simulated plugs together).
/// </summary>
public static class BenchOtaCommand
{
    public static Command Create()
    {
        var command = new Command("ota", "Benchmark a staged OTA rollout to N simulated plugs");
        var plugs = new Option<int>("--plugs") { Description = "Simulated plugs", DefaultValueFactory = _ => 200 };
        var concurrency = new Option<int>("--concurrency") { Description = "Plugs updated at a time", DefaultValueFactory = _ => 10 };
        var size = new Option<int>("--size") { Description = "Raw app bytes in the .rbl (random, so the .rbl is about as big)", DefaultValueFactory = _ => 200_000 };
        var pause = new Option<int>("--piece-pause-ms") { Description = "Plug pause per 255-byte piece (firmware: 10)", DefaultValueFactory = _ => 10 };
        command.Options.Add(plugs);
        command.Options.Add(concurrency);
        command.Options.Add(size);
        command.Options.Add(pause);
        command.SetAction(async (p, ct) => await RunAsync(p.GetValue(plugs), p.GetValue(concurrency), p.GetValue(size), p.GetValue(pause), Console.Out, ct));
        return command;
    }

    public static async Task<int> RunAsync(int count, int concurrency, int size, int pauseMs, TextWriter output, CancellationToken ct)
    {
        var data = Path.Combine(Path.GetTempPath(), "obkhub-bench-ota-" + Guid.NewGuid().ToString("N")[..8]);
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var httpPort = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        await using var app = HubApp.Build([$"--urls=http://127.0.0.1:{httpPort}", $"--Hub:DataDirectory={data}", "--Hub:AdminPassword=bench-password-123",
            "--Mqtt:Embedded:Port=0", "--Mqtt:Embedded:ListenOnAllInterfaces=false", "--Hub:LogLevel=Warning", "--Bridge:UseHttpForConsole=false"]);
        await app.StartAsync(ct);
        var peak = 0L;
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sampler = Task.Run(async () =>
        {
            using var self = Process.GetCurrentProcess();
            while (!sampling.IsCancellationRequested)
            {
                self.Refresh();
                peak = Math.Max(peak, self.WorkingSet64);
                await Task.Delay(250, CancellationToken.None);
            }
        }, CancellationToken.None);
        try
        {
            var broker = app.Services.GetRequiredService<EmbeddedBrokerService>().Broker!;
            await using var fleet = await PlugFleet.StartAsync("127.0.0.1", broker.Port, count,
                new PlugFleetOptions { PowerMeterEvery = 0, BroadcastItemsPerSecond = 50, ReconnectDelay = TimeSpan.FromSeconds(1), Customize = Demo.SimulatedPlugAccounts.Issue(app.Services, "bench") }, cancellationToken: ct);
            foreach (var plug in fleet.Plugs)
            {
                plug.OtaPiecePause = TimeSpan.FromMilliseconds(pauseMs);
            }
            var registry = app.Services.GetRequiredService<DeviceStateStore>();
            var adopt = Stopwatch.StartNew();
            while (registry.List().Count(d => d.Online && d.Record.Chip is not null) < count && adopt.Elapsed < TimeSpan.FromMinutes(3))
            {
                await Task.Delay(200, ct);
            }
            await output.WriteLineAsync($"{registry.Count} plugs adopted in {adopt.Elapsed.TotalSeconds:0.0} s");
            if (registry.Count < count)
            {
                await output.WriteLineAsync($"bench ota: only {registry.Count} of {count} plugs were adopted; no figures");
                return 1;
            }

            var rbl = SyntheticRbl.Build("BK7231N", "1.18.999", size);
            var added = await app.Services.GetRequiredService<FirmwareLibrary>().AddAsync("OpenBK7231N_1.18.999.rbl", rbl, ct);
            var rollouts = app.Services.GetRequiredService<RolloutService>();
            var server = app.Services.GetRequiredService<FirmwareServer>();
            var total = Stopwatch.StartNew();
            var id = await rollouts.StartAsync(new RolloutRequest { FirmwareId = added.Entry!.Id, Concurrency = concurrency, DeviceTimeoutSeconds = 300 }, ct);
            RolloutView? view;
            do
            {
                await Task.Delay(500, ct);
                view = await rollouts.GetAsync(id, ct);
            }
            while (view is not null && !RolloutState.IsFinal(view.State) && total.Elapsed < TimeSpan.FromHours(1));
            total.Stop();
            await output.WriteLineAsync($"rollout {view?.State} in {total.Elapsed.TotalSeconds:0.0} s: {string.Join(", ", view!.Devices.GroupBy(d => d.Result).Select(g => $"{g.Count()} {g.Key}"))}");
            await output.WriteLineAsync($".rbl {rbl.Length:N0} bytes, plug pacing {pauseMs} ms per 255-byte piece, concurrency {concurrency}");
            var durations = rollouts.WaveDurations(id);
            var sizes = view.Devices.Where(d => d.Wave > 0).GroupBy(d => d.Wave).OrderBy(g => g.Key).Select(g => g.Count()).ToList();
            for (var w = 0; w < durations.Count; w++)
            {
                await output.WriteLineAsync($"  wave {w + 1}: {sizes[w],4} plugs in {durations[w].TotalSeconds,7:0.0} s");
            }
            await output.WriteLineAsync($"bytes served: {server.TotalServed:N0} ({(double)server.TotalServed / total.Elapsed.TotalSeconds / 1024:0} KiB/s average)");
            await sampling.CancelAsync();
            await sampler;
            await output.WriteLineAsync($"peak RSS (hub + {count} simulated plugs in one process): {peak / 1024 / 1024} MB");
            return view.State == RolloutState.Completed ? 0 : 1;
        }
        finally
        {
            await sampling.CancelAsync();
            await app.StopAsync(CancellationToken.None);
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }
}
