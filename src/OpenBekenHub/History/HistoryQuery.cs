using OpenBekenHub.Store;

namespace OpenBekenHub.History;

/// <summary>A chart series: points (unix seconds, value) at <see cref="Resolution"/> seconds per point.</summary>
public sealed record HistorySeries(string Quantity, string Unit, int Resolution, IReadOnlyList<(long T, double V)> Points);

/// <summary>
/// Reads history at a resolution chosen from the range (about 300-700 points): power = mean W per bucket, energy =
/// kWh used per bucket (sum of the counter's rises, so a counter reset on reboot does not count as negative use).
/// </summary>
public sealed class HistoryQuery(HistoryStore store, HistoryRecorder recorder, TimeProvider time)
{
    public static readonly int[] Steps = [60, 300, 900, 1800, 3600, 10800, 21600, 86400];
    public const int TargetPoints = 720;
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(400);

    /// <summary>The smallest step that keeps the range under <see cref="TargetPoints"/> points.</summary>
    public static int ChooseResolution(TimeSpan range) =>
        Steps.FirstOrDefault(s => range.TotalSeconds / s <= TargetPoints, Steps[^1]);

    public async Task<HistorySeries> GetAsync(string deviceId, string quantity, DateTimeOffset from, DateTimeOffset to, int? step, CancellationToken ct)
    {
        var energy = quantity == "energy";
        var resolution = step is { } s ? Steps.FirstOrDefault(x => x >= s, Steps[^1]) : ChooseResolution(to - from);
        var a = from.ToUnixTimeSeconds();
        var b = to.ToUnixTimeSeconds();
        var minuteStart = time.GetUtcNow().Add(-HistoryStore.MinuteRetention).ToUnixTimeSeconds();
        var table = resolution < 3600 && a >= minuteStart ? HistoryTable.Minute : HistoryTable.Hour;
        if (table == HistoryTable.Hour)
        {
            resolution = Math.Max(resolution, 3600);
        }
        var source = table == HistoryTable.Minute ? 60 : 3600;
        List<(long, double)> points;
        if (energy)
        {
            // one row before the range: the first bucket's energy is counted from it
            points = EnergyPerBucket([.. await store.ReadAsync(deviceId, table, a - source, b, ct)], a, resolution);
        }
        else
        {
            var rows = (await store.ReadPowerAsync(deviceId, table, a, b, resolution, ct)).ToList();
            if (table == HistoryTable.Minute && recorder.Current(deviceId) is { } live && live.T >= a && live.T < b)
            {
                rows.Add(new HistoryRow(live.T, live.Watts, null)); // the minute in progress: the chart's live end
            }
            points = MeanPower(rows, a, resolution);
        }
        return new HistorySeries(energy ? "energy" : "power", energy ? "kWh" : "W", resolution, points);
    }

    private static long BucketOf(long t, int resolution) => t - (((t % resolution) + resolution) % resolution);

    private static List<(long, double)> MeanPower(List<HistoryRow> rows, long from, int resolution) =>
        [.. rows.Where(r => r.T >= from && r.Watts is not null)
            .GroupBy(r => BucketOf(r.T, resolution))
            .Select(g => (g.Key, Math.Round(g.Average(r => r.Watts!.Value), 1)))];

    private static List<(long, double)> EnergyPerBucket(List<HistoryRow> rows, long from, int resolution)
    {
        var sums = new SortedDictionary<long, double>();
        double? previous = null;
        foreach (var r in rows)
        {
            if (r.Kwh is not { } kwh)
            {
                continue;
            }
            var rise = previous is { } p && kwh > p ? kwh - p : 0;
            previous = kwh;
            if (r.T < from)
            {
                continue;
            }
            var bucket = BucketOf(r.T, resolution);
            sums[bucket] = sums.GetValueOrDefault(bucket) + rise;
        }
        return [.. sums.Select(kv => (kv.Key, Math.Round(kv.Value, 4)))];
    }
}
