using Microsoft.Extensions.Logging;

namespace OpenBekenHub.Simulators.Plugs;

/// <summary>Options for a fleet of simulated plugs.</summary>
public sealed record PlugFleetOptions
{
    /// <summary>Every n-th plug has a power meter (0 = none, 1 = all).</summary>
    public int PowerMeterEvery { get; init; } = 2;

    /// <summary>First index used to derive MACs; two fleets on one broker need different ranges.</summary>
    public int FirstIndex { get; init; }

    public string? Username { get; init; }

    public string? Password { get; init; }

    public ulong Flags { get; init; } = 1UL << 10;

    public double BroadcastItemsPerSecond { get; init; } = 1;

    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Concurrent CONNECT handshakes while the fleet comes up.</summary>
    public int MaxConcurrentConnects { get; init; } = 64;

    /// <summary>Last chance to change each plug's settings (HTTP port, pins, ...).</summary>
    public Func<PlugSettings, PlugSettings>? Customize { get; init; }
}

/// <summary>
/// Many simulated plugs in one process on one scheduler loop (<see cref="PlugScheduler"/>). One MQTTnet client per
/// plug (async I/O on the thread pool; no thread per plug).
/// </summary>
public sealed class PlugFleet : IAsyncDisposable
{
    private readonly PlugScheduler _scheduler;
    private readonly List<SimulatedPlug> _plugs;

    private PlugFleet(PlugScheduler scheduler, List<SimulatedPlug> plugs)
    {
        _scheduler = scheduler;
        _plugs = plugs;
    }

    public IReadOnlyList<SimulatedPlug> Plugs => _plugs;

    public SimulatedPlug this[int index] => _plugs[index];

    public int ConnectedCount => _plugs.Count(p => p.IsConnected);

    public SimulatedPlug? FindByTopic(string clientTopic) => _plugs.Find(p => p.ClientTopic == clientTopic);

    /// <summary>Creates <paramref name="count"/> plugs and powers them on; returns without waiting for connections.</summary>
    public static async Task<PlugFleet> StartAsync(string brokerHost, int brokerPort, int count, PlugFleetOptions? options = null,
        ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        options ??= new PlugFleetOptions();
        var scheduler = new PlugScheduler(options.MaxConcurrentConnects);
        var plugs = new List<SimulatedPlug>(count);
        var logger = loggerFactory?.CreateLogger<SimulatedPlug>();
        for (var i = 0; i < count; i++)
        {
            var meter = options.PowerMeterEvery > 0 && i % options.PowerMeterEvery == 0;
            var settings = PlugSettings.ForIndex(options.FirstIndex + i, brokerHost, brokerPort, meter) with
            {
                Username = options.Username,
                Password = options.Password,
                Flags = options.Flags,
                BroadcastItemsPerSecond = options.BroadcastItemsPerSecond,
                ReconnectDelay = options.ReconnectDelay,
            };
            if (options.Customize is not null)
            {
                settings = options.Customize(settings);
            }
            plugs.Add(new SimulatedPlug(settings, scheduler, logger));
        }
        var fleet = new PlugFleet(scheduler, plugs);
        foreach (var plug in plugs)
        {
            await plug.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        return fleet;
    }

    /// <summary>Waits (bounded) until every plug is connected.</summary>
    public async Task WaitAllConnectedAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        while (ConnectedCount < _plugs.Count)
        {
            try
            {
                await Task.Delay(50, cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"{ConnectedCount} of {_plugs.Count} plugs connected within {timeout.TotalSeconds:0} s");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_plugs.Select(p => p.DisposeAsync().AsTask())).ConfigureAwait(false);
        await _scheduler.DisposeAsync().ConfigureAwait(false);
    }
}
