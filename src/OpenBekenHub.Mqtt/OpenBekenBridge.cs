using System.Reflection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenBekenHub.Mqtt.Commands;
using OpenBekenHub.Mqtt.Connection;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.Events;
using OpenBekenHub.Mqtt.HomeAssistant;
using OpenBekenHub.Mqtt.Options;

namespace OpenBekenHub.Mqtt;

/// <summary>
/// The bridge as one unit: broker connection, device registry, command service and Home Assistant extension,
/// composed like Zigbee2MQTT's controller (each part isolated: a failing handler is logged, the bridge keeps running).
/// </summary>
public sealed class OpenBekenBridge : IAsyncDisposable
{
    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan LastSeenFlushInterval = TimeSpan.FromSeconds(60);
    private const int MaxIdentityRetriesPerRound = 500;

    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task? _flushLoop;

    public OpenBekenBridge(BrokerEndpoint endpoint, IDeviceStore store, HomeAssistantOptions homeAssistant, BridgeOptions? bridge = null,
        HubEventBus? bus = null, ILoggerFactory? loggerFactory = null, ReconnectPolicy? reconnect = null)
    {
        var factory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = factory.CreateLogger<OpenBekenBridge>();
        Bus = bus ?? new HubEventBus();
        Connection = new BrokerConnection(endpoint, reconnect, factory.CreateLogger<BrokerConnection>());
        Registry = new DeviceRegistry(store, Bus, factory.CreateLogger<DeviceRegistry>());
        Commands = new DeviceCommandService(Connection, Registry, Bus, bridge ?? new BridgeOptions(), factory.CreateLogger<DeviceCommandService>());
        HomeAssistant = new HomeAssistantExtension(Connection, Registry, Bus, homeAssistant, Version, factory.CreateLogger<HomeAssistantExtension>());
        Connection.MessageReceived += OnMessage;
        Connection.ConnectionChanged += (up, reason) => Bus.Publish(new BridgeConnectionChanged(DateTimeOffset.UtcNow, up, reason));
        Registry.IdentityNeeded += RequestIdentity;
    }

    public static string Version { get; } =
        typeof(OpenBekenBridge).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public HubEventBus Bus { get; }

    public BrokerConnection Connection { get; }

    public DeviceRegistry Registry { get; }

    public DeviceCommandService Commands { get; }

    public HomeAssistantExtension HomeAssistant { get; }

    /// <summary>For /health: connected to the broker right now.</summary>
    public bool IsConnected => Connection.IsConnected;

    /// <summary>Loads stored devices, subscribes, starts connecting (returns without waiting for the broker).</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        await Registry.LoadAsync(ct).ConfigureAwait(false);
        foreach (var filter in ObkTopics.BridgeSubscriptions)
        {
            await Connection.SubscribeAsync(filter, ct: ct).ConfigureAwait(false);
        }
        await HomeAssistant.StartAsync(ct).ConfigureAwait(false);
        await Connection.StartAsync(ct).ConfigureAwait(false);
        _flushLoop = Task.Run(() => FlushLoopAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>Forgets a device: removes it from HA (empty retained config), the registry and the store.</summary>
    public async Task<DeviceSnapshot?> ForgetAsync(string deviceId, CancellationToken ct)
    {
        var removed = await Registry.ForgetAsync(deviceId, ct).ConfigureAwait(false);
        if (removed is not null && Connection.IsConnected)
        {
            await HomeAssistant.RemoveDeviceAsync(deviceId, ct).ConfigureAwait(false);
        }
        return removed;
    }

    /// <summary>Renames / moves a device; its HA entities keep their unique ids and get the new name.</summary>
    public Task<DeviceSnapshot?> UpdateAsync(string deviceId, string? friendlyName, string? area, CancellationToken ct) =>
        Registry.UpdateAsync(deviceId, friendlyName, area, ct);

    private void OnMessage(BrokerMessage message)
    {
        try
        {
            if (!HomeAssistant.TryHandle(message))
            {
                Registry.Handle(message);
            }
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Handling {Topic} failed; message ignored", message.Topic);
        }
    }

    private void RequestIdentity(string clientTopic)
    {
        if (!Connection.IsConnected)
        {
            return;
        }
        _ = Task.Run(async () =>
        {
            try
            {
                await Connection.PublishAsync(ObkTopics.Command(clientTopic, "STATUS"), "5").ConfigureAwait(false);
                await Connection.PublishAsync(ObkTopics.Command(clientTopic, "STATUS"), "2").ConfigureAwait(false);
                // a plug that connected before the hub sent its channel states only then (not retained); ask again
                await Connection.PublishAsync(ObkTopics.Command(clientTopic, "publishChannels"), "").ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _logger.LogDebug("Asking {Topic} for its identity failed: {Message}", clientTopic, ex.Message);
            }
        });
    }

    private async Task FlushLoopAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(FlushInterval);
        var sinceSeen = TimeSpan.Zero;
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                sinceSeen += FlushInterval;
                var includeSeen = sinceSeen >= LastSeenFlushInterval;
                if (includeSeen)
                {
                    sinceSeen = TimeSpan.Zero;
                }
                try
                {
                    if (Connection.IsConnected)
                    {
                        Registry.RetryIdentities(MaxIdentityRetriesPerRound);
                    }
                    await Registry.FlushAsync(includeSeen, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _logger.LogWarning("Saving devices failed: {Message}; will retry", ex.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        // the hosted service stops the bridge and the DI container disposes it again
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_flushLoop is not null)
        {
            await _flushLoop.ConfigureAwait(false);
        }
        try
        {
            await Registry.FlushAsync(includeLastSeen: true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger.LogWarning("Final save of devices failed: {Message}", ex.Message);
        }
        await HomeAssistant.DisposeAsync().ConfigureAwait(false);
        await Connection.DisposeAsync().ConfigureAwait(false);
        Commands.Dispose();
        _stop.Dispose();
    }
}
