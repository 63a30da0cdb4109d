using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using OpenBekenHub.Mqtt.Connection;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.Events;
using OpenBekenHub.Mqtt.Extensions;

namespace OpenBekenHub.Mqtt.HomeAssistant;

/// <summary>
/// OpenBeken's own per-entity discovery (flag 27): detected on <c>homeassistant/+/+/config</c>, and migrated with HA's
/// <c>migrate_discovery</c> procedure keeping its unique ids. Bounded (client topics and entities per topic), and a
/// config cannot lend one plug's unique id to another: the id must be the config's own topic id and belong to no other device.
/// </summary>
internal sealed class LegacyDiscovery(BridgeContext bridge, DiscoveryPublisher publisher, bool migrate, ILogger logger)
{
    public const int MaxClientTopics = 1000;
    public const int MaxEntitiesPerTopic = 64;
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(1500);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, LegacyDevice> _legacy = new(StringComparer.Ordinal);

    // unique id → the client topic that first claimed it; an id claimed from two topics is lent to neither
    private readonly Dictionary<string, string> _claims = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ambiguous = new(StringComparer.Ordinal);

    private sealed class LegacyDevice
    {
        public readonly Dictionary<string, (string Component, string UniqueId, string? StateTopic)> Entities = new(StringComparer.Ordinal);
        public long LastChange = Stopwatch.GetTimestamp();
        public bool Reported;
    }

    /// <summary>True while the firmware's own entities of this topic wait for migration (no duplicate device message meanwhile).</summary>
    public bool Pending(string clientTopic)
    {
        lock (_gate)
        {
            return _legacy.ContainsKey(clientTopic);
        }
    }

    public void Handle(BrokerMessage message)
    {
        var levels = message.Topic.Split('/');
        if (levels.Length != 4 || levels[1] == "device")
        {
            return;
        }
        if (message.Payload.Length == 0)
        {
            lock (_gate)
            {
                foreach (var (c, legacy) in _legacy.ToArray())
                {
                    if (legacy.Entities.Remove(message.Topic) && legacy.Entities.Count == 0)
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
            o = JsonNode.Parse(message.Payload, documentOptions: new JsonDocumentOptions { MaxDepth = 8 }) as JsonObject;
        }
        catch (JsonException)
        {
            return;
        }
        // OpenBeken's shape: "~" = client topic, topics relative to it, the topic's id level = uniq_id
        if (o?["~"] is not JsonValue tilde || !tilde.TryGetValue<string>(out var clientTopic) || !ObkTopics.IsValidClientTopic(clientTopic)
            || o["uniq_id"] is not JsonValue uid || !uid.TryGetValue<string>(out var uniqueId) || uniqueId != levels[2])
        {
            return;
        }
        var stateTopic = o["stat_t"] is JsonValue st && st.TryGetValue<string>(out var s) ? s.Replace("~", clientTopic, StringComparison.Ordinal) : null;
        lock (_gate)
        {
            if (!_legacy.TryGetValue(clientTopic, out var legacy))
            {
                if (_legacy.Count >= MaxClientTopics)
                {
                    return;
                }
                _legacy[clientTopic] = legacy = new LegacyDevice();
            }
            if (legacy.Entities.Count >= MaxEntitiesPerTopic && !legacy.Entities.ContainsKey(message.Topic))
            {
                return;
            }
            if (_claims.TryGetValue(uniqueId, out var claimant))
            {
                if (claimant != clientTopic && _ambiguous.Add(uniqueId))
                {
                    logger.LogWarning("Unique id {UniqueId} is claimed by discovery configs of both {First} and {Second}; neither gets it", uniqueId, claimant, clientTopic);
                }
            }
            else if (_claims.Count < MaxClientTopics * MaxEntitiesPerTopic)
            {
                _claims[uniqueId] = clientTopic;
            }
            legacy.Entities[message.Topic] = (levels[1], uniqueId, stateTopic);
            legacy.LastChange = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>Migrates (or, with migration off, reports once) the topics that settled and belong to an adopted device.</summary>
    public async Task TickAsync(CancellationToken ct)
    {
        var ready = new List<string>();
        lock (_gate)
        {
            foreach (var (c, legacy) in _legacy)
            {
                if (Stopwatch.GetElapsedTime(legacy.LastChange) < Settle || bridge.State.FindByTopic(c) is null)
                {
                    continue;
                }
                if (migrate)
                {
                    ready.Add(c);
                }
                else if (!legacy.Reported)
                {
                    legacy.Reported = true;
                    bridge.Bus.Publish(new LegacyDiscoveryFound(DateTimeOffset.UtcNow, c, legacy.Entities.Count, Migrated: false));
                }
            }
        }
        foreach (var c in ready)
        {
            await MigrateAsync(c, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// HA's procedure: <c>{"migrate_discovery":true}</c> on each old topic, then the device message reusing the old
    /// unique ids, then empty payloads on the old topics. Finally the plug's flag 27 is cleared (<c>cmnd/&lt;c&gt;/SetFlag 27 0</c>).
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
        var device = bridge.State.FindByTopic(clientTopic);
        if (device is null)
        {
            return;
        }
        var taken = new HashSet<string>(bridge.State.List().Where(d => d.Id != device.Id).SelectMany(d => d.Record.LegacyUniqueIds.Values), StringComparer.Ordinal);
        lock (_gate)
        {
            taken.UnionWith(_ambiguous);
        }
        var ids = new Dictionary<string, string>(device.Record.LegacyUniqueIds, StringComparer.Ordinal);
        var channels = device.Record.Channels.ToDictionary(x => x.Channel, x => x.Role);
        var meter = device.Record.HasPowerMeter;
        foreach (var e in entities)
        {
            if (taken.Contains(e.UniqueId) || e.UniqueId.StartsWith("obk_", StringComparison.Ordinal))
            {
                logger.LogWarning("Legacy discovery for {Topic} claims unique id {UniqueId} of another device; ignored", clientTopic, e.UniqueId);
                continue;
            }
            if (Key(clientTopic, e.Component, e.StateTopic, channels, ref meter) is { } key)
            {
                ids.TryAdd(key, e.UniqueId);
            }
        }
        var updated = bridge.State.Mutate(device.Id, r => r with
        {
            LegacyUniqueIds = ids,
            Channels = channels.OrderBy(kv => kv.Key).Select(kv => new ChannelInfo(kv.Key, kv.Value)).ToList(),
            HasPowerMeter = meter,
        }) ?? device;
        var migrateMessage = new JsonObject { ["migrate_discovery"] = true }.ToJsonString();
        foreach (var e in entities)
        {
            await bridge.PublishAsync(e.Topic, migrateMessage, retain: true, ct: ct).ConfigureAwait(false);
        }
        await publisher.PublishDeviceAsync(updated, force: true, ct).ConfigureAwait(false);
        foreach (var e in entities)
        {
            await bridge.PublishAsync(e.Topic, "", retain: true, ct: ct).ConfigureAwait(false);
        }
        bridge.Ask(clientTopic, "SetFlag", "27 0", acknowledged: true);
        logger.LogInformation("Migrated {Count} OpenBeken discovery entities of {Topic} to device discovery", entities.Count, clientTopic);
        bridge.Bus.Publish(new LegacyDiscoveryFound(DateTimeOffset.UtcNow, clientTopic, entities.Count, Migrated: true));
    }

    /// <summary>Which of our component keys an OpenBeken entity becomes (null: no counterpart, it is removed).</summary>
    private static string? Key(string c, string component, string? stateTopic, Dictionary<int, ChannelRole> channels, ref bool meter)
    {
        if (stateTopic is null || !stateTopic.StartsWith(c + "/", StringComparison.Ordinal))
        {
            return null;
        }
        var rest = stateTopic[(c.Length + 1)..].Split('/');
        if (rest.Length == 2 && rest[1] == "get" && int.TryParse(rest[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ch) && ch <= 64)
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
}
