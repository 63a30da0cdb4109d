using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenBekenHub.Mqtt.Connection;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.Events;
using OpenBekenHub.Mqtt.Options;

namespace OpenBekenHub.Mqtt.HomeAssistant;

/// <summary>
/// Home Assistant discovery for the bridge: one device-based discovery message per plug (and one for the hub),
/// re-announced over a jittered window when HA says <c>online</c> (then states are republished), updated when a
/// device changes, removed with an empty retained payload when a device is forgotten. Detects OpenBeken's own
/// per-entity discovery and migrates it with HA's <c>migrate_discovery</c> procedure, keeping its unique ids.
/// </summary>
public sealed class HomeAssistantExtension : IAsyncDisposable
{
    /// <summary>OpenBeken announces itself under this prefix unless told otherwise from its web page.</summary>
    public const string FirmwarePrefix = "homeassistant";

    private static readonly TimeSpan LegacySettle = TimeSpan.FromMilliseconds(1500);
    private static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(200);
    private const int MaxConcurrentAnnouncements = 64;

    private readonly BrokerConnection _connection;
    private readonly DeviceRegistry _registry;
    private readonly HubEventBus _bus;
    private readonly HomeAssistantOptions _options;
    private readonly DiscoveryContext _context;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _published = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _firmware = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LegacyDevice> _legacy = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private CancellationTokenSource? _announce;
    private Task? _loop;
    private int _lastCount = -1;

    public HomeAssistantExtension(BrokerConnection connection, DeviceRegistry registry, HubEventBus bus, HomeAssistantOptions options, string hubVersion, ILogger<HomeAssistantExtension>? logger = null)
    {
        _connection = connection;
        _registry = registry;
        _bus = bus;
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _context = new DiscoveryContext(options.DiscoveryPrefix, DiscoveryBuilder.SafeId(connection.Endpoint.ClientId), hubVersion,
            string.IsNullOrWhiteSpace(options.HubBaseUrl) ? null : options.HubBaseUrl);
    }

    public DiscoveryContext Context => _context;

    /// <summary>Completed full announcements (after connect or HA birth); for tests and the benchmark.</summary>
    public int AnnouncementsCompleted => Volatile.Read(ref _announcementsCompleted);

    private int _announcementsCompleted;

    /// <summary>Duration of the last full announcement.</summary>
    public TimeSpan LastAnnouncementDuration { get; private set; }

    /// <summary>Subscriptions and event wiring; call before the connection starts.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        if (!_options.Enabled)
        {
            return;
        }
        await _connection.SubscribeAsync(_options.BirthTopic, ct: ct).ConfigureAwait(false);
        await _connection.SubscribeAsync($"{FirmwarePrefix}/+/+/config", ct: ct).ConfigureAwait(false);
        _connection.Connected += OnConnectedAsync;
        _registry.DefinitionChanged += MarkDirty;
        _loop = Task.Run(() => LoopAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>True when the message belonged to HA (birth or discovery topics) and was handled here.</summary>
    public bool TryHandle(BrokerMessage message)
    {
        if (!_options.Enabled)
        {
            return false;
        }
        if (message.Topic == _options.BirthTopic)
        {
            if (message.Payload.Trim() == "online")
            {
                _logger.LogInformation("Home Assistant came online; re-announcing over {Window} s", _options.JitterWindow.TotalSeconds);
                StartAnnouncement(_options.JitterWindow);
            }
            return true;
        }
        if (message.Topic.StartsWith(FirmwarePrefix + "/", StringComparison.Ordinal) && message.Topic.EndsWith("/config", StringComparison.Ordinal))
        {
            HandleLegacy(message.Topic, message.Payload);
            return true;
        }
        return false;
    }

    private Task OnConnectedAsync(CancellationToken ct)
    {
        // On every (re)connect: announce the hub at once, the plugs spread over the jitter window.
        StartAnnouncement(_options.JitterWindow);
        return Task.CompletedTask;
    }

    private void MarkDirty(string deviceId)
    {
        lock (_gate)
        {
            _dirty.Add(deviceId);
        }
    }

    private void StartAnnouncement(TimeSpan window)
    {
        CancellationTokenSource next;
        lock (_gate)
        {
            _announce?.Cancel();
            _announce?.Dispose();
            _announce = next = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        }
        var token = next.Token;
        _ = Task.Run(async () =>
        {
            try
            {
                await AnnounceAllAsync(window, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // superseded by a newer announcement or stopping
            }
            catch (Exception ex)
            {
                _logger.LogWarning("Home Assistant announcement stopped: {Message}", ex.Message);
            }
        }, CancellationToken.None);
    }

    /// <summary>Hub first, then every plug in random order at evenly spread times over <paramref name="window"/>, each followed by its states.</summary>
    public async Task AnnounceAllAsync(TimeSpan window, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        await PublishHubAsync(ct).ConfigureAwait(false);
        var devices = _registry.List().ToArray();
        Random.Shared.Shuffle(devices);
        // Each device's config and then its states go out in order; devices overlap (bounded) so a slow PUBACK
        // round trip does not stretch the window.
        using var inFlight = new SemaphoreSlim(MaxConcurrentAnnouncements);
        var tasks = new List<Task>(devices.Length);
        for (var i = 0; i < devices.Length; i++)
        {
            var due = window * ((double)i / Math.Max(1, devices.Length));
            var wait = due - sw.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(5))
            {
                await Task.Delay(wait, ct).ConfigureAwait(false);
            }
            var current = _registry.Find(devices[i].Id);
            if (current is null || !ShouldAnnounce(current))
            {
                continue;
            }
            await inFlight.WaitAsync(ct).ConfigureAwait(false);
            tasks.Add(AnnounceOneAsync(current, inFlight, ct));
        }
        await Task.WhenAll(tasks).ConfigureAwait(false);
        LastAnnouncementDuration = sw.Elapsed;
        Interlocked.Increment(ref _announcementsCompleted);
        _logger.LogInformation("Announced {Count} devices to Home Assistant in {Seconds:0.0} s", devices.Length, sw.Elapsed.TotalSeconds);
    }

    private async Task PublishReleasingAsync(DeviceSnapshot device, SemaphoreSlim inFlight, CancellationToken ct)
    {
        try
        {
            await PublishDeviceAsync(device, force: false, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            Retry(device.Id, ex);
        }
        finally
        {
            inFlight.Release();
        }
    }

    /// <summary>A failed publish (timeout, connection lost) is tried again on a later tick, never dropped.</summary>
    private void Retry(string deviceId, Exception ex)
    {
        lock (_gate)
        {
            _published.Remove(deviceId);
            _dirty.Add(deviceId);
        }
        if (Interlocked.Increment(ref _publishFailures) == 1)
        {
            _logger.LogWarning("Publishing a Home Assistant config failed ({Message}); it will be retried", ex.Message);
        }
    }

    private int _publishFailures;

    private async Task AnnounceOneAsync(DeviceSnapshot device, SemaphoreSlim inFlight, CancellationToken ct)
    {
        try
        {
            await PublishDeviceAsync(device, force: true, ct).ConfigureAwait(false);
            await RepublishStatesAsync(device, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            Retry(device.Id, ex);
        }
        finally
        {
            inFlight.Release();
        }
    }

    private bool ShouldAnnounce(DeviceSnapshot device)
    {
        if (_options.MigrateLegacyDiscovery)
        {
            return true;
        }
        lock (_gate)
        {
            return !_legacy.ContainsKey(device.ClientTopic); // no duplicates next to the firmware's own entities
        }
    }

    private async Task PublishHubAsync(CancellationToken ct)
    {
        var hub = DiscoveryBuilder.ForHub(_context);
        await PublishRetainedAsync(hub.Topic, hub.Payload, ct).ConfigureAwait(false);
        await PublishDeviceCountAsync(ct).ConfigureAwait(false);
    }

    private async Task PublishDeviceCountAsync(CancellationToken ct)
    {
        var count = _registry.Count;
        _lastCount = count;
        await PublishRetainedAsync(_context.HubDeviceCountTopic, count.ToString(CultureInfo.InvariantCulture), ct).ConfigureAwait(false);
    }

    /// <summary>Publishes one device's discovery message (skipped when unchanged unless <paramref name="force"/>).</summary>
    public async Task PublishDeviceAsync(DeviceSnapshot device, bool force, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(device);
        var message = DiscoveryBuilder.ForDevice(device, _context);
        lock (_gate)
        {
            if (!force && _published.TryGetValue(device.Id, out var last) && last == message.Payload)
            {
                return;
            }
            _published[device.Id] = message.Payload;
        }
        await PublishRetainedAsync(message.Topic, message.Payload, ct).ConfigureAwait(false);
        var firmware = DiscoveryBuilder.FirmwareState(device.Record);
        bool firmwareChanged;
        lock (_gate)
        {
            firmwareChanged = !_firmware.TryGetValue(device.Id, out var lastFirmware) || lastFirmware != firmware;
            _firmware[device.Id] = firmware;
        }
        if (firmwareChanged)
        {
            await PublishRetainedAsync(_context.FirmwareStateTopic(device.Id), firmware, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Last-known channel states on the plug's own topics (not retained, QoS 0), so HA shows relays right after
    /// (re)discovery: the firmware does not retain them and its own re-broadcast on HA's birth comes before our config.
    /// Meter values are not repeated: the firmware sends each at least once a minute.
    /// </summary>
    private async Task RepublishStatesAsync(DeviceSnapshot device, CancellationToken ct)
    {
        if (!_connection.IsConnected)
        {
            return;
        }
        foreach (var (ch, value) in device.Channels)
        {
            await _connection.PublishAsync(ObkTopics.ChannelGet(device.ClientTopic, ch), value.ToString(CultureInfo.InvariantCulture),
                qos: MQTTnet.Protocol.MqttQualityOfServiceLevel.AtMostOnce, ct: ct).ConfigureAwait(false);
        }
    }

    /// <summary>Removes the device from HA: empty retained payloads on its discovery and firmware topics.</summary>
    public async Task RemoveDeviceAsync(string deviceId, CancellationToken ct)
    {
        lock (_gate)
        {
            _published.Remove(deviceId);
            _firmware.Remove(deviceId);
            _dirty.Remove(deviceId);
        }
        if (!_options.Enabled)
        {
            return;
        }
        var removal = DiscoveryBuilder.Removal(_context.Prefix, deviceId);
        await PublishRetainedAsync(removal.Topic, removal.Payload, ct).ConfigureAwait(false);
        await PublishRetainedAsync(_context.FirmwareStateTopic(deviceId), "", ct).ConfigureAwait(false);
        await PublishDeviceCountAsync(ct).ConfigureAwait(false);
    }

    private Task PublishRetainedAsync(string topic, string payload, CancellationToken ct) =>
        _connection.PublishAsync(topic, payload, retain: true, ct: ct);

    private async Task LoopAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TickInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                if (!_connection.IsConnected)
                {
                    continue;
                }
                try
                {
                    await TickAsync(ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    _logger.LogWarning("Home Assistant update failed: {Message}", ex.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    private async Task TickAsync(CancellationToken ct)
    {
        foreach (var topic in LegacyReadyToMigrate())
        {
            await MigrateAsync(topic, ct).ConfigureAwait(false);
        }
        string[] dirty;
        lock (_gate)
        {
            dirty = [.. _dirty];
            _dirty.Clear();
        }
        // Pipelined: with Mosquitto's default (no TCP_NODELAY) a PUBACK behind other traffic can wait ~40 ms for a
        // delayed ACK, so one-at-a-time publishing would crawl at ~25 devices/s while thousands of plugs talk.
        using var inFlight = new SemaphoreSlim(MaxConcurrentAnnouncements);
        var tasks = new List<Task>();
        foreach (var id in dirty)
        {
            var device = _registry.Find(id);
            if (device is not null && ShouldAnnounce(device) && !LegacyPending(device.ClientTopic))
            {
                await inFlight.WaitAsync(ct).ConfigureAwait(false);
                tasks.Add(PublishReleasingAsync(device, inFlight, ct));
            }
        }
        await Task.WhenAll(tasks).ConfigureAwait(false);
        if (_registry.Count != _lastCount)
        {
            await PublishDeviceCountAsync(ct).ConfigureAwait(false);
        }
    }

    private sealed class LegacyDevice
    {
        public readonly Dictionary<string, (string Component, string UniqueId, string? StateTopic)> Entities = new(StringComparer.Ordinal);
        public long LastChange = Stopwatch.GetTimestamp();
        public bool Reported;
    }

    private void HandleLegacy(string topic, string payload)
    {
        var levels = topic.Split('/');
        if (levels.Length != 4 || levels[1] == "device")
        {
            return;
        }
        if (payload.Length == 0)
        {
            lock (_gate)
            {
                foreach (var (c, legacy) in _legacy.ToArray())
                {
                    if (legacy.Entities.Remove(topic) && legacy.Entities.Count == 0)
                    {
                        _legacy.Remove(c);
                    }
                }
            }
            return;
        }
        JsonObject? o;
        try
        {
            o = JsonNode.Parse(payload) as JsonObject;
        }
        catch (JsonException)
        {
            return;
        }
        // OpenBeken's shape: "~" = client topic, topics relative to it, uniq_id from the long name.
        if (o?["~"] is not JsonValue tilde || !tilde.TryGetValue<string>(out var clientTopic) || !ObkTopics.IsValidClientTopic(clientTopic)
            || o["uniq_id"] is not JsonValue uid || !uid.TryGetValue<string>(out var uniqueId))
        {
            return;
        }
        var stateTopic = o["stat_t"] is JsonValue st && st.TryGetValue<string>(out var s) ? s.Replace("~", clientTopic, StringComparison.Ordinal) : null;
        lock (_gate)
        {
            if (!_legacy.TryGetValue(clientTopic, out var legacy))
            {
                _legacy[clientTopic] = legacy = new LegacyDevice();
            }
            legacy.Entities[topic] = (levels[1], uniqueId, stateTopic);
            legacy.LastChange = Stopwatch.GetTimestamp();
        }
    }

    private bool LegacyPending(string clientTopic)
    {
        lock (_gate)
        {
            return _options.MigrateLegacyDiscovery && _legacy.ContainsKey(clientTopic);
        }
    }

    private List<string> LegacyReadyToMigrate()
    {
        var ready = new List<string>();
        lock (_gate)
        {
            foreach (var (c, legacy) in _legacy)
            {
                if (Stopwatch.GetElapsedTime(legacy.LastChange) >= LegacySettle && _registry.FindByTopic(c) is not null)
                {
                    if (_options.MigrateLegacyDiscovery)
                    {
                        ready.Add(c);
                    }
                    else if (!legacy.Reported)
                    {
                        legacy.Reported = true;
                        _bus.Publish(new LegacyDiscoveryFound(DateTimeOffset.UtcNow, c, legacy.Entities.Count, Migrated: false));
                    }
                }
            }
        }
        return ready;
    }

    /// <summary>
    /// HA's procedure: <c>{"migrate_discovery":true}</c> on each old topic, then the device message reusing the old
    /// unique ids, then empty payloads on the old topics. Finally the plug's flag 27 is cleared so it does not announce again.
    /// </summary>
    private async Task MigrateAsync(string clientTopic, CancellationToken ct)
    {
        List<(string Topic, string Component, string UniqueId, string? StateTopic)> entities;
        lock (_gate)
        {
            if (!_legacy.Remove(clientTopic, out var legacy))
            {
                return;
            }
            entities = legacy.Entities.Select(kv => (kv.Key, kv.Value.Component, kv.Value.UniqueId, kv.Value.StateTopic)).ToList();
        }
        var device = _registry.FindByTopic(clientTopic);
        if (device is null)
        {
            return;
        }
        var ids = new Dictionary<string, string>(device.Record.LegacyUniqueIds, StringComparer.Ordinal);
        var channels = device.Record.Channels.ToDictionary(x => x.Channel, x => x.Role);
        var meter = device.Record.HasPowerMeter;
        foreach (var e in entities)
        {
            var key = LegacyKey(clientTopic, e.Component, e.StateTopic, channels, ref meter);
            if (key is not null)
            {
                ids.TryAdd(key, e.UniqueId);
            }
        }
        var updated = _registry.Mutate(device.Id, r => r with
        {
            LegacyUniqueIds = ids,
            Channels = channels.OrderBy(kv => kv.Key).Select(kv => new ChannelInfo(kv.Key, kv.Value)).ToList(),
            HasPowerMeter = meter,
        }) ?? device;
        var migrate = new JsonObject { ["migrate_discovery"] = true }.ToJsonString();
        foreach (var e in entities)
        {
            await PublishRetainedAsync(e.Topic, migrate, ct).ConfigureAwait(false);
        }
        await PublishDeviceAsync(updated, force: true, ct).ConfigureAwait(false);
        foreach (var e in entities)
        {
            await PublishRetainedAsync(e.Topic, "", ct).ConfigureAwait(false);
        }
        await _connection.PublishAsync(ObkTopics.Command(clientTopic, "SetFlag"), "27 0", ct: ct).ConfigureAwait(false);
        _logger.LogInformation("Migrated {Count} OpenBeken discovery entities of {Topic} to device discovery", entities.Count, clientTopic);
        _bus.Publish(new LegacyDiscoveryFound(DateTimeOffset.UtcNow, clientTopic, entities.Count, Migrated: true));
    }

    /// <summary>Which of our component keys an OpenBeken entity becomes (null: no counterpart, it is removed).</summary>
    private static string? LegacyKey(string c, string component, string? stateTopic, Dictionary<int, ChannelRole> channels, ref bool meter)
    {
        if (stateTopic is null || !stateTopic.StartsWith(c + "/", StringComparison.Ordinal))
        {
            return null;
        }
        var rest = stateTopic[(c.Length + 1)..].Split('/');
        if (rest.Length == 2 && rest[1] == "get" && int.TryParse(rest[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ch))
        {
            switch (component)
            {
                case "switch":
                    channels[ch] = ChannelRole.Relay;
                    return $"relay_{ch}";
                case "binary_sensor":
                    channels[ch] = ChannelRole.Input;
                    return $"input_{ch}";
                case "light":
                    channels[ch] = ChannelRole.Dimmer;
                    return $"dimmer_{ch}";
                default:
                    return null;
            }
        }
        var key = rest[0] switch
        {
            "voltage" => "voltage",
            "current" => "current",
            "power" => "power",
            "energycounter" => "energy",
            "power_apparent" => "apparent_power",
            "power_reactive" => "reactive_power",
            "power_factor" => "power_factor",
            "rssi" => "rssi",
            "uptime" => "uptime",
            "ip" => "ip",
            _ => null,
        };
        if (key is "voltage" or "current" or "power" or "energy")
        {
            meter = true;
        }
        return key;
    }

    public async ValueTask DisposeAsync()
    {
        _connection.Connected -= OnConnectedAsync;
        _registry.DefinitionChanged -= MarkDirty;
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
        lock (_gate)
        {
            _announce?.Dispose();
            _announce = null;
        }
        _stop.Dispose();
    }
}
