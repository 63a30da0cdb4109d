using System.Diagnostics;

namespace OpenBekenHub.Flashing.Progress;

public enum FlashPhase
{
    Connecting,
    Identifying,
    SettingBaud,
    Planning,
    Reading,
    Verifying,
    Unprotecting,
    Erasing,
    Writing,
    Rebooting,
    Done,
}

/// <summary>One progress report, consumed by the CLI (Spectre.Console) and the web pages (SSE).</summary>
public sealed record FlashProgress(FlashPhase Phase, long BytesDone, long BytesTotal, double BytesPerSecond, TimeSpan? Eta, string? Message)
{
    public double Fraction => BytesTotal <= 0 ? 0 : Math.Clamp((double)BytesDone / BytesTotal, 0, 1);
}

/// <summary>Computes rate and ETA for one phase and reports to an optional <see cref="IProgress{T}"/>.</summary>
public sealed class ProgressTracker
{
    private readonly IProgress<FlashProgress>? _sink;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly FlashPhase _phase;
    private readonly long _total;
    private long _done;

    public ProgressTracker(IProgress<FlashProgress>? sink, FlashPhase phase, long total, string? message = null)
    {
        _sink = sink;
        _phase = phase;
        _total = total;
        Report(message);
    }

    public long Done => _done;

    public void Advance(long bytes, string? message = null)
    {
        _done = Math.Clamp(_done + bytes, 0, Math.Max(0, _total));
        Report(message);
    }

    public void Report(string? message = null)
    {
        if (_sink is null)
        {
            return;
        }
        var seconds = _clock.Elapsed.TotalSeconds;
        var rate = seconds > 0.05 ? _done / seconds : 0;
        TimeSpan? eta = rate > 0 && _total > _done ? TimeSpan.FromSeconds((_total - _done) / rate) : null;
        _sink.Report(new FlashProgress(_phase, _done, _total, rate, eta, message));
    }

    public static void Message(IProgress<FlashProgress>? sink, FlashPhase phase, string message) =>
        sink?.Report(new FlashProgress(phase, 0, 0, 0, null, message));
}
