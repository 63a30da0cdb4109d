using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace OpenBekenHub.Store;

/// <summary>One stored interval: its start (unix seconds), mean power (W) and the energy counter at its end (kWh).</summary>
public readonly record struct HistoryRow(long T, double? Watts, double? Kwh);

/// <summary>A finished minute of one device, as the recorder hands it to the store.</summary>
public readonly record struct MinuteSample(string DeviceId, long T, double? Watts, double? Kwh);

/// <summary>Which table a query reads: 1-minute rows (last 7 days) or hourly rows (last year).</summary>
public enum HistoryTable
{
    Minute,
    Hour,
}

/// <summary>
/// Power and energy history in SQLite. Rows are integers (0.1 W, 0.1 Wh) in WITHOUT ROWID tables keyed by a small
/// series number, so a row costs about 20 bytes: minutes are kept 7 days, hours a year (bounded size per plug).
/// </summary>
public sealed class HistoryStore(HubStore store)
{
    public static readonly TimeSpan MinuteRetention = TimeSpan.FromDays(7);
    public static readonly TimeSpan HourRetention = TimeSpan.FromDays(366);

    private readonly ConcurrentDictionary<string, long> _series = new(StringComparer.Ordinal);

    public string DatabasePath => store.DatabasePath;

    /// <summary>Writes finished minutes and rolls them up into their hours, in one transaction.</summary>
    public Task WriteMinutesAsync(IReadOnlyCollection<MinuteSample> samples, CancellationToken ct = default)
    {
        if (samples.Count == 0)
        {
            return Task.CompletedTask;
        }
        return WriteCoreAsync(samples, ct);
    }

    private async Task WriteCoreAsync(IReadOnlyCollection<MinuteSample> samples, CancellationToken ct)
    {
        try
        {
            await using var c = await store.OpenAsync(ct);
            // history may lose its last minutes on a power cut (WAL, no fsync per commit); devices and jobs keep FULL
            using (var pragma = c.Command("PRAGMA synchronous=NORMAL; PRAGMA cache_size=-16000;"))
            {
                await pragma.ExecuteNonQueryAsync(ct);
            }
            await using var tx = (SqliteTransaction)await c.BeginTransactionAsync(ct);
            await WriteAsync(c, tx, samples, ct);
            await tx.CommitAsync(ct);
        }
        catch
        {
            _series.Clear(); // a rolled-back transaction may have taken series ids with it
            throw;
        }
    }

    private async Task WriteAsync(SqliteConnection c, SqliteTransaction tx, IReadOnlyCollection<MinuteSample> samples, CancellationToken ct)
    {
        {
            using var insert = c.Command(
                "INSERT OR REPLACE INTO history_minute (series, t, power_dw, energy_dwh) VALUES ($s, $t, $p, $e);", tx,
                ("$s", 0L), ("$t", 0L), ("$p", null), ("$e", null));
            await insert.PrepareAsync(ct);
            var hours = new HashSet<(long Series, long Hour)>();
            foreach (var m in samples)
            {
                var series = await SeriesAsync(c, tx, m.DeviceId, ct);
                insert.Parameters["$s"].Value = series;
                insert.Parameters["$t"].Value = m.T;
                insert.Parameters["$p"].Value = m.Watts is { } w ? (object)(long)Math.Round(w * 10) : DBNull.Value;
                insert.Parameters["$e"].Value = m.Kwh is { } e ? (object)(long)Math.Round(e * 10_000) : DBNull.Value;
                await insert.ExecuteNonQueryAsync(ct);
                hours.Add((series, m.T - (m.T % 3600)));
            }
            using var rollup = c.Command(
                """
                INSERT OR REPLACE INTO history_hour (series, t, power_dw, energy_dwh)
                SELECT $s, $a, CAST(ROUND(AVG(power_dw)) AS INTEGER), MAX(energy_dwh)
                FROM history_minute WHERE series = $s AND t >= $a AND t < $a + 3600 GROUP BY series;
                """, tx, ("$s", 0L), ("$a", 0L));
            await rollup.PrepareAsync(ct);
            foreach (var (series, hour) in hours)
            {
                // down-sampling: the hour row = mean of its minutes' power and the last energy counter (idempotent)
                rollup.Parameters["$s"].Value = series;
                rollup.Parameters["$a"].Value = hour;
                await rollup.ExecuteNonQueryAsync(ct);
            }
        }
    }

    /// <summary>Drops minutes older than 7 days and hours older than a year; returns the rows removed.</summary>
    public Task<int> PruneAsync(DateTimeOffset now, CancellationToken ct = default) =>
        store.InTransactionAsync(async (c, tx) =>
        {
            var unix = now.ToUnixTimeSeconds();
            // per series, so each delete is a key range and not a scan of the whole table
            using var minutes = c.Command(
                "DELETE FROM history_minute WHERE series = $s AND t < $t;", tx, ("$s", 0L), ("$t", unix - (long)MinuteRetention.TotalSeconds));
            using var hours = c.Command(
                "DELETE FROM history_hour WHERE series = $s AND t < $t;", tx, ("$s", 0L), ("$t", unix - (long)HourRetention.TotalSeconds));
            using var list = c.Command("SELECT id FROM history_series;", tx);
            var ids = new List<long>();
            await using (var r = await list.ExecuteReaderAsync(ct))
            {
                while (await r.ReadAsync(ct))
                {
                    ids.Add(r.GetInt64(0));
                }
            }
            var removed = 0;
            foreach (var id in ids)
            {
                minutes.Parameters["$s"].Value = id;
                hours.Parameters["$s"].Value = id;
                removed += await minutes.ExecuteNonQueryAsync(ct) + await hours.ExecuteNonQueryAsync(ct);
            }
            return removed;
        }, ct);

    /// <summary>Rows of one device with <paramref name="from"/> ≤ t &lt; <paramref name="to"/> (unix seconds), oldest first.</summary>
    public async Task<IReadOnlyList<HistoryRow>> ReadAsync(string deviceId, HistoryTable table, long from, long to, CancellationToken ct = default)
    {
        await using var c = await store.OpenAsync(ct);
        var name = table == HistoryTable.Minute ? "history_minute" : "history_hour";
        using var cmd = c.Command(
            $"SELECT m.t, m.power_dw, m.energy_dwh FROM history_series s CROSS JOIN {name} m " +
            "WHERE s.device_id = $d AND m.series = s.id AND m.t >= $a AND m.t < $b ORDER BY m.t;",
            null, ("$d", deviceId), ("$a", from), ("$b", to));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<HistoryRow>();
        while (await r.ReadAsync(ct))
        {
            rows.Add(new HistoryRow(r.GetInt64(0), r.IsDBNull(1) ? null : r.GetInt64(1) / 10.0, r.IsDBNull(2) ? null : r.GetInt64(2) / 10_000.0));
        }
        return rows;
    }

    /// <summary>Mean power (W) per <paramref name="step"/> seconds of one device, aggregated in SQL (a week of minutes is 10,080 rows).</summary>
    public async Task<IReadOnlyList<HistoryRow>> ReadPowerAsync(string deviceId, HistoryTable table, long from, long to, int step, CancellationToken ct = default)
    {
        await using var c = await store.OpenAsync(ct);
        var name = table == HistoryTable.Minute ? "history_minute" : "history_hour";
        using var cmd = c.Command(
            $"SELECT m.t - (m.t % $step) AS b, AVG(m.power_dw) FROM history_series s CROSS JOIN {name} m " +
            "WHERE s.device_id = $d AND m.series = s.id AND m.t >= $a AND m.t < $b AND m.power_dw IS NOT NULL GROUP BY b ORDER BY b;",
            null, ("$d", deviceId), ("$a", from), ("$b", to), ("$step", (long)step));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<HistoryRow>();
        while (await r.ReadAsync(ct))
        {
            rows.Add(new HistoryRow(r.GetInt64(0), r.GetDouble(1) / 10.0, null));
        }
        return rows;
    }

    /// <summary>Mean power per <paramref name="step"/> seconds since <paramref name="from"/> for every device (dashboard sparklines).</summary>
    public async Task<IReadOnlyDictionary<string, List<double[]>>> ReadPowerAllAsync(long from, int step, CancellationToken ct = default)
    {
        await using var c = await store.OpenAsync(ct);
        using var cmd = c.Command(
            "SELECT s.device_id, m.t - (m.t % $step) AS b, AVG(m.power_dw) FROM history_series s CROSS JOIN history_minute m " +
            "WHERE m.series = s.id AND m.t >= $a AND m.power_dw IS NOT NULL GROUP BY m.series, b ORDER BY m.series, b;",
            null, ("$a", from), ("$step", (long)step));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var all = new Dictionary<string, List<double[]>>(StringComparer.Ordinal);
        while (await r.ReadAsync(ct))
        {
            var id = r.GetString(0);
            if (!all.TryGetValue(id, out var list))
            {
                all[id] = list = [];
            }
            list.Add([r.GetInt64(1), Math.Round(r.GetDouble(2) / 10, 1)]);
        }
        return all;
    }

    /// <summary>Row counts (minute, hour) of the whole store, for the benchmark.</summary>
    public async Task<(long Minutes, long Hours)> CountAsync(CancellationToken ct = default)
    {
        await using var c = await store.OpenAsync(ct);
        using var m = c.Command("SELECT COUNT(*) FROM history_minute;");
        using var h = c.Command("SELECT COUNT(*) FROM history_hour;");
        return (Convert.ToInt64(await m.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture),
            Convert.ToInt64(await h.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture));
    }

    private async Task<long> SeriesAsync(SqliteConnection c, SqliteTransaction tx, string deviceId, CancellationToken ct)
    {
        if (_series.TryGetValue(deviceId, out var id))
        {
            return id;
        }
        using (var insert = c.Command("INSERT OR IGNORE INTO history_series (device_id) VALUES ($d);", tx, ("$d", deviceId)))
        {
            await insert.ExecuteNonQueryAsync(ct);
        }
        using var select = c.Command("SELECT id FROM history_series WHERE device_id = $d;", tx, ("$d", deviceId));
        id = Convert.ToInt64(await select.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        _series[deviceId] = id;
        return id;
    }
}
