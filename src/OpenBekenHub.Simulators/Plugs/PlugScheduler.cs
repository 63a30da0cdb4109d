using System.Diagnostics;

namespace OpenBekenHub.Simulators.Plugs;

/// <summary>
/// The one loop that drives many plugs: every 100 ms it ticks each plug (broadcast pacing, meter driver once a
/// second). Plugs never get their own thread; MQTT I/O is async on the thread pool. It also bounds how many plugs
/// connect at once, so 10,000 plugs do not storm the broker.
/// </summary>
public sealed class PlugScheduler : IAsyncDisposable
{
    public static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(100);

    private readonly Lock _gate = new();
    private readonly List<SimulatedPlug> _plugs = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private SimulatedPlug[] _snapshot = [];

    public PlugScheduler(int maxConcurrentConnects = 64)
    {
        ConnectGate = new SemaphoreSlim(maxConcurrentConnects, maxConcurrentConnects);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Limits concurrent CONNECT handshakes.</summary>
    internal SemaphoreSlim ConnectGate { get; }

    internal static long NowMs => Stopwatch.GetTimestamp() * 1000 / Stopwatch.Frequency;

    internal void Add(SimulatedPlug plug)
    {
        lock (_gate)
        {
            _plugs.Add(plug);
            _snapshot = [.. _plugs];
        }
    }

    internal void Remove(SimulatedPlug plug)
    {
        lock (_gate)
        {
            _plugs.Remove(plug);
            _snapshot = [.. _plugs];
        }
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(TickInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                var now = NowMs;
                foreach (var plug in _snapshot)
                {
                    plug.Tick(now);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
        ConnectGate.Dispose();
    }
}
