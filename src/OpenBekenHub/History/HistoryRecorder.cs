using OpenBekenHub.Store;

namespace OpenBekenHub.History;

/// <summary>
/// Turns meter observations (device, time, watts and/or kWh) into 1-minute rows: power is averaged over time (a value
/// holds until the next one, at most <see cref="MaxHold"/>), the energy counter is the last one seen. A minute is
/// written once the clock passes its end; hour rows and pruning follow in <see cref="HistoryStore"/>. Knows nothing of
/// MQTT: <see cref="HistoryFeed"/> feeds it.
/// </summary>
public sealed class HistoryRecorder(HistoryStore store, TimeProvider time, ILogger<HistoryRecorder> logger) : BackgroundService
{
    /// <summary>The meter publishes at least every 60 s while online; a value older than this is not carried on.</summary>
    public static readonly TimeSpan MaxHold = TimeSpan.FromSeconds(90);

    /// <summary>Devices followed at once (bounded memory against a flood of fake topics).</summary>
    public const int MaxDevices = 20_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Bucket> _open = new(StringComparer.Ordinal);
    private readonly List<MinuteSample> _finished = [];
    private long _lastPruneHour;

    /// <summary>Raised after minutes were stored (device ids), so pages can fetch the new points.</summary>
    public event Action<IReadOnlyList<MinuteSample>>? MinutesStored;

    public DateTimeOffset Now => time.GetUtcNow();

    public void Observe(string deviceId, DateTimeOffset at, double? watts, double? kwh)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        if (watts is { } w && (!double.IsFinite(w) || w < 0 || w > 100_000) || kwh is { } e && (!double.IsFinite(e) || e < 0 || e > 10_000_000))
        {
            return; // untrusted plug input: a plug meter cannot read that
        }
        var t = at.ToUnixTimeMilliseconds() / 1000.0;
        lock (_gate)
        {
            if (!_open.TryGetValue(deviceId, out var b))
            {
                if (_open.Count >= MaxDevices)
                {
                    return;
                }
                b = new Bucket { Minute = MinuteOf(t), LastAt = t };
                _open[deviceId] = b;
            }
            Advance(deviceId, b, t);
            if (watts is not null)
            {
                b.Watts = watts;
                b.LastAt = Math.Max(b.LastAt, t);
            }
            if (kwh is not null)
            {
                b.Kwh = kwh;
                b.KwhInMinute = true;
            }
        }
    }

    /// <summary>The minute in progress (start, mean watts so far), or null when none; the chart's live end.</summary>
    public (long T, double Watts)? Current(string deviceId)
    {
        lock (_gate)
        {
            return _open.TryGetValue(deviceId, out var b) && b.Covered > 0 ? (b.Minute, b.PowerSum / b.Covered) : null;
        }
    }

    public void Forget(string deviceId)
    {
        lock (_gate)
        {
            _open.Remove(deviceId);
        }
    }

    /// <summary>Closes every minute that ended before now and writes them; returns how many were written.</summary>
    public async Task<int> FlushAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        List<MinuteSample> batch;
        lock (_gate)
        {
            var t = now.ToUnixTimeMilliseconds() / 1000.0;
            foreach (var (id, b) in _open)
            {
                Advance(id, b, t);
            }
            batch = [.. _finished];
            _finished.Clear();
        }
        if (batch.Count > 0)
        {
            await store.WriteMinutesAsync(batch, ct);
            MinutesStored?.Invoke(batch);
        }
        var hour = now.ToUnixTimeSeconds() / 3600;
        if (hour != _lastPruneHour)
        {
            _lastPruneHour = hour;
            await store.PruneAsync(now, ct);
        }
        return batch.Count;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
                await FlushAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException)
            {
                logger.LogWarning("History: could not store power readings ({Message}); retrying", ex.Message);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        lock (_gate)
        {
            foreach (var (id, b) in _open)
            {
                if (b.Covered > 0 || b.KwhInMinute)
                {
                    _finished.Add(Sample(id, b)); // the partial minute: better than losing it on a restart
                }
            }
            _open.Clear();
        }
        try
        {
            await FlushAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or OperationCanceledException)
        {
            logger.LogWarning("History: the last minute was not stored ({Message})", ex.Message);
        }
    }

    private static long MinuteOf(double t) => (long)Math.Floor(t / 60) * 60;

    /// <summary>Integrates the held power up to <paramref name="t"/>, closing each minute it crosses.</summary>
    private void Advance(string id, Bucket b, double t)
    {
        while (true)
        {
            var end = b.Minute + 60;
            var holdUntil = b.LastAt + MaxHold.TotalSeconds;
            var upTo = Math.Min(Math.Min(t, end), holdUntil);
            var from = Math.Max(b.Integrated, b.Minute);
            if (b.Watts is { } w && upTo > from)
            {
                b.PowerSum += w * (upTo - from);
                b.Covered += upTo - from;
            }
            b.Integrated = Math.Max(b.Integrated, Math.Min(t, end));
            if (t < end)
            {
                return;
            }
            if (b.Covered > 0 || b.KwhInMinute)
            {
                _finished.Add(Sample(id, b));
            }
            // skip the empty minutes of a silent plug in one step
            b.Minute = holdUntil < end ? Math.Max(end, MinuteOf(t)) : end;
            b.PowerSum = 0;
            b.Covered = 0;
            b.KwhInMinute = false;
            b.Integrated = b.Minute;
        }
    }

    private static MinuteSample Sample(string id, Bucket b) =>
        new(id, b.Minute, b.Covered > 0 ? b.PowerSum / b.Covered : null, b.Kwh);

    private sealed class Bucket
    {
        public long Minute;
        public double PowerSum;
        public double Covered;
        public double Integrated;
        public double? Watts;
        public double LastAt;
        public double? Kwh;
        public bool KwhInMinute;
    }
}
