using System.Diagnostics;

namespace OpenBekenHub.Simulators.Bootloader;

/// <summary>Milliseconds since the emulator started, and waits to an absolute deadline (so oversleeping does not
/// accumulate: callers schedule against deadlines, never against "now + x").</summary>
internal sealed class LineClock
{
    private readonly Stopwatch _watch = Stopwatch.StartNew();

    public double NowMs => _watch.Elapsed.TotalMilliseconds;

    public static double WireMs(int bytes, int baud) => bytes * 10_000.0 / baud;

    public async Task WaitUntilAsync(double deadlineMs, CancellationToken cancellationToken)
    {
        var remaining = deadlineMs - NowMs;
        if (remaining > 1.5)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(remaining - 1.0), cancellationToken).ConfigureAwait(false);
        }
        while (NowMs < deadlineMs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (deadlineMs - NowMs > 0.2)
            {
                await Task.Yield();
            }
            else
            {
                Thread.SpinWait(50);
            }
        }
    }
}
