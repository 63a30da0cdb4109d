using System.Reflection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenBekenHub.Mqtt.Commands;
using OpenBekenHub.Mqtt.Connection;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.Events;
using OpenBekenHub.Mqtt.Extensions;
using OpenBekenHub.Mqtt.HomeAssistant;
using OpenBekenHub.Mqtt.Options;
using OpenBekenHub.Mqtt.Parsing;
using OpenBekenHub.Mqtt.State;

namespace OpenBekenHub.Mqtt;

/// <summary>
/// The bridge as a pipeline: broker message → <see cref="ObkMessageParser"/> (typed observations) →
/// <see cref="DeviceStateStore"/> (the single owner of device state, raising ordered events on the <see cref="HubEventBus"/>)
/// → extensions (<see cref="IBridgeExtension"/>: persistence, identity requests, availability, Home Assistant, commands,
/// and any the host adds). Topics an extension owns are routed to it instead of the parser. See this project's README.
/// </summary>
public sealed class OpenBekenBridge : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<IBridgeExtension> _extensions;
    private readonly List<IBridgeExtension> _started = [];
    private Task? _requests;

    public OpenBekenBridge(BrokerEndpoint endpoint, IDeviceStore store, HomeAssistantOptions homeAssistant, BridgeOptions? bridge = null,
        HubEventBus? bus = null, ILoggerFactory? loggerFactory = null, ReconnectPolicy? reconnect = null, IEnumerable<IBridgeExtension>? extensions = null,
        IHomeAssistantIdentities? identities = null)
        : this(() => endpoint, endpoint.ClientId, store, homeAssistant, bridge, bus, loggerFactory, reconnect, extensions, identities)
    {
    }

    /// <param name="endpoint">Resolved at each connect (the host's embedded broker binds its port before the first one).</param>
    /// <param name="clientId">The hub's MQTT client id, also the base of its own topics.</param>
    /// <param name="identities">Replacement plugs for Home Assistant (the host's configuration backups); null = none.</param>
    public OpenBekenBridge(Func<BrokerEndpoint> endpoint, string clientId, IDeviceStore store, HomeAssistantOptions homeAssistant, BridgeOptions? bridge = null,
        HubEventBus? bus = null, ILoggerFactory? loggerFactory = null, ReconnectPolicy? reconnect = null, IEnumerable<IBridgeExtension>? extensions = null,
        IHomeAssistantIdentities? identities = null)
    {
        var factory = loggerFactory ?? NullLoggerFactory.Instance;
        var options = bridge ?? new BridgeOptions();
        _logger = factory.CreateLogger<OpenBekenBridge>();
        Bus = bus ?? new HubEventBus(factory.CreateLogger<HubEventBus>());
        Connection = new BrokerConnection(endpoint, reconnect, factory.CreateLogger<BrokerConnection>());
        State = new DeviceStateStore(store, Bus, options, factory.CreateLogger<DeviceStateStore>());
        Context = new BridgeContext(Connection, State, Bus, options, homeAssistant, DiscoveryBuilder.SafeId(clientId), factory);
        Availability = new AvailabilityExtension();
        HomeAssistant = new HomeAssistantExtension(homeAssistant, Version, identities);
        Commands = new DeviceCommandService(options);
        _extensions = [new PersistenceExtension(), new IdentityExtension(), Availability, HomeAssistant, Commands, .. extensions ?? []];
        Connection.MessageReceived += OnMessage;
        Connection.ConnectionChanged += (up, reason) => Bus.Publish(new BridgeConnectionChanged(DateTimeOffset.UtcNow, up, reason));
    }

    public static string Version { get; } =
        typeof(OpenBekenBridge).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public HubEventBus Bus { get; }

    public BrokerConnection Connection { get; }

    /// <summary>The single owner of device state.</summary>
    public DeviceStateStore State { get; }

    /// <summary>The name the flash jobs and older callers use for <see cref="State"/>.</summary>
    public DeviceStateStore Registry => State;

    public BridgeContext Context { get; }

    public DeviceCommandService Commands { get; }

    public HomeAssistantExtension HomeAssistant { get; }

    public AvailabilityExtension Availability { get; }

    public IReadOnlyList<IBridgeExtension> Extensions => _extensions;

    /// <summary>For /health and the pages: connected to the broker right now.</summary>
    public bool IsConnected => Connection.IsConnected;

    /// <summary>Loads stored devices, starts the extensions, subscribes, starts connecting (returns without waiting for the broker).</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        await State.LoadAsync(ct).ConfigureAwait(false);
        foreach (var extension in _extensions)
        {
            try
            {
                await extension.StartAsync(Context, ct).ConfigureAwait(false);
                _started.Add(extension);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                _logger.LogError(ex, "Extension {Name} failed to start; the bridge runs without it", extension.Name);
            }
        }
        foreach (var filter in ObkTopics.BridgeSubscriptions)
        {
            await Connection.SubscribeAsync(filter, ct: ct).ConfigureAwait(false);
        }
        _requests = Task.Run(() => Context.RunRequestsAsync(_logger, _stop.Token), CancellationToken.None);
        await Connection.StartAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Forgets a device: gone from the hub and HA until the plug itself connects again or the user adopts it back.</summary>
    public Task<DeviceSnapshot?> ForgetAsync(string deviceId, CancellationToken ct) => State.ForgetAsync(deviceId, ct);

    /// <summary>Adopts a device from the "seen but forgotten" list.</summary>
    public Task<DeviceSnapshot?> AdoptForgottenAsync(string deviceId, CancellationToken ct) => State.AdoptForgottenAsync(deviceId, ct);

    /// <summary>Moves a device to the client topic its MAC was reported on, after the user approved it.</summary>
    public DeviceSnapshot? ApproveMove(string deviceId) => State.ApproveMove(deviceId);

    /// <summary>Renames / moves a device; its HA entities keep their unique ids and get the new name.</summary>
    public Task<DeviceSnapshot?> UpdateAsync(string deviceId, string? friendlyName, string? area, CancellationToken ct) =>
        State.UpdateAsync(deviceId, friendlyName, area, ct);

    private void OnMessage(BrokerMessage message)
    {
        try
        {
            if (Context.TryRoute(message))
            {
                return;
            }
            if (ObkMessageParser.Parse(message.Topic, message.Payload, message.Retain) is { } parsed)
            {
                State.Apply(parsed);
            }
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Handling {Topic} failed; message ignored", message.Topic);
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
        for (var i = _started.Count - 1; i >= 0; i--)
        {
            try
            {
                await _started[i].StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Extension {Name} failed to stop cleanly", _started[i].Name);
            }
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_requests is not null)
        {
            await _requests.ConfigureAwait(false);
        }
        await Connection.DisposeAsync().ConfigureAwait(false);
        await HomeAssistant.DisposeAsync().ConfigureAwait(false);
        Commands.Dispose();
        _stop.Dispose();
    }
}
