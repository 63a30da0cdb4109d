using System.Diagnostics;

namespace OpenBekenHub.Simulators.Bootloader;

/// <summary>Milliseconds since the emulator started, and waits to an absolute deadline (so oversleeping does not
/// accumulate: callers schedule against deadlines, never against "now + x").</summary>
internal sealed class LineClock
{
    private readonly Stopwatch _watch = Stopwatch.StartNew();

    public double NowMs => _watch.Elapsed.TotalMilliseconds;

    public static double WireMs(int bytes, int baud) => bytes * 10_000.0 / baud;

    /// <summary>Wait until the deadline, give or take a quarter millisecond; sleeps rather than spins, so a busy
    /// machine is not slowed further (the deadline, not the error, is what the next wait is scheduled against).</summary>
    public async Task WaitUntilAsync(double deadlineMs, CancellationToken cancellationToken)
    {
        while (true)
        {
            var remaining = deadlineMs - NowMs;
            if (remaining <= 0.25)
            {
                return;
            }
            if (remaining > 1.2)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(remaining - 1.0), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                cancellationToken.ThrowIfCancellationRequested();
                Thread.Yield();
            }
        }
    }
}
