using System.Globalization;
using System.Text.Json.Nodes;
using OpenBekenHub.Mqtt.Devices;

namespace OpenBekenHub.Mqtt.HomeAssistant;

/// <summary>What every discovery message needs to know about the hub.</summary>
/// <param name="Prefix">Discovery prefix, e.g. <c>homeassistant</c>.</param>
/// <param name="HubId">The hub's HA device identifier (plugs' <c>via_device</c>) and topic base, e.g. <c>obkhub</c>.</param>
/// <param name="HubVersion">origin <c>sw</c> and the hub device's <c>sw_version</c>.</param>
/// <param name="HubBaseUrl">Base of <c>configuration_url</c>; null leaves it out.</param>
public sealed record DiscoveryContext(string Prefix, string HubId, string HubVersion, string? HubBaseUrl)
{
    public string HubStateTopic => $"{HubId}/bridge/state";

    public string HubDeviceCountTopic => $"{HubId}/bridge/devices";

    public string FirmwareStateTopic(string deviceId) => FirmwareStateTopicOf(HubId, deviceId);

    public static string FirmwareStateTopicOf(string hubId, string deviceId) => $"{hubId}/devices/{deviceId}/firmware";

    /// <summary>Where HA's "Install" on a plug's update entity lands (owned by the host's OTA extension).</summary>
    public static string FirmwareInstallTopicOf(string hubId, string deviceId) => $"{hubId}/devices/{deviceId}/firmware/install";

    /// <summary>True when an extension owns firmware installs: the update entity offers Install and gets its JSON state from it.</summary>
    public bool OffersFirmwareInstall { get; init; }

    /// <summary>The hub's own retained verdict on a plug's availability (see AvailabilityExtension).</summary>
    public string AvailabilityTopic(string deviceId) => Extensions.AvailabilityExtension.Topic(HubId, deviceId);
}

/// <summary>One discovery message: topic, payload (empty = remove), always retained QoS 1.</summary>
public sealed record DiscoveryMessage(string Topic, string Payload);

/// <summary>
/// Builds HA device-based discovery (one retained <c>&lt;prefix&gt;/device/&lt;id&gt;/config</c> per plug with a
/// <c>cmps</c> map) from a device snapshot. Pure: same input, same output. State and command topics are the plug's
/// own, availability is the plug's LWT, unique ids come from the MAC (or the legacy ids kept after a migration).
/// A replacement plug (<see cref="HomeAssistantIdentity"/>) is announced as the plug it replaced: that plug's topic,
/// device ids, unique and default entity ids, with the replacement's own state, command and availability topics.
/// </summary>
public static class DiscoveryBuilder
{
    public const string OriginName = "OpenBekenHub";

    /// <summary>Meter sensors: (component key, topic quantity, device_class, unit, state_class, display precision).</summary>
    private static readonly (string Key, string Quantity, string DeviceClass, string? Unit, string StateClass, int Precision)[] MeterSensors =
    [
        ("voltage", "voltage", "voltage", "V", "measurement", 1),
        ("current", "current", "current", "A", "measurement", 3),
        ("power", "power", "power", "W", "measurement", 1),
        ("energy", "energycounter", "energy", "Wh", "total_increasing", 0),
        ("apparent_power", "power_apparent", "apparent_power", "VA", "measurement", 1),
        ("reactive_power", "power_reactive", "reactive_power", "var", "measurement", 1),
        ("power_factor", "power_factor", "power_factor", null, "measurement", 2),
    ];

    public static string DeviceTopic(string prefix, string objectId) => $"{prefix}/device/{objectId}/config";

    /// <summary>The discovery message for one plug, announced as <paramref name="identity"/> (null: as itself).</summary>
    public static DiscoveryMessage ForDevice(DeviceSnapshot device, DiscoveryContext context, HomeAssistantIdentity? identity = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(context);
        var r = device.Record;
        var c = r.ClientTopic;
        var ha = new Ids(identity?.BaseId ?? r.Id, identity?.LegacyUniqueIds ?? r.LegacyUniqueIds);
        var components = new JsonObject();
        var relays = r.Channels.Where(ch => ch.Role == ChannelRole.Relay).Select(ch => ch.Channel).Order().ToList();
        foreach (var ch in relays)
        {
            var key = $"relay_{ch}";
            components[key] = new JsonObject
            {
                ["p"] = "switch",
                ["uniq_id"] = ha.UniqueId(key),
                ["default_entity_id"] = $"switch.{ha.Base}_{key}",
                ["name"] = relays.Count == 1 ? null : $"Relay {ch}",
                ["dev_cla"] = "outlet",
                ["cmd_t"] = ObkTopics.ChannelSet(c, ch),
                ["stat_t"] = ObkTopics.ChannelGet(c, ch),
                ["pl_on"] = "1",
                ["pl_off"] = "0",
                // "/index?on=" stores 255: any non-zero value means on.
                ["val_tpl"] = "{{ 'ON' if (value | int(0)) > 0 else 'OFF' }}",
                ["stat_on"] = "ON",
                ["stat_off"] = "OFF",
            };
        }
        foreach (var ch in r.Channels.Where(x => x.Role == ChannelRole.Input).Select(x => x.Channel).Order())
        {
            var key = $"input_{ch}";
            components[key] = new JsonObject
            {
                ["p"] = "binary_sensor",
                ["uniq_id"] = ha.UniqueId(key),
                ["default_entity_id"] = $"binary_sensor.{ha.Base}_{key}",
                ["name"] = $"Input {ch}",
                ["stat_t"] = ObkTopics.ChannelGet(c, ch),
                // OpenBeken's digital inputs are pulled up and active low (its own discovery says the same).
                ["pl_on"] = "0",
                ["pl_off"] = "1",
            };
        }
        foreach (var ch in r.Channels.Where(x => x.Role == ChannelRole.Dimmer).Select(x => x.Channel).Order())
        {
            var key = $"dimmer_{ch}";
            components[key] = new JsonObject
            {
                ["p"] = "light",
                ["uniq_id"] = ha.UniqueId(key),
                ["default_entity_id"] = $"light.{ha.Base}_{key}",
                ["name"] = $"Dimmer {ch}",
                ["cmd_t"] = ObkTopics.ChannelSet(c, ch),
                ["stat_t"] = ObkTopics.ChannelGet(c, ch),
                ["stat_val_tpl"] = "{{ 'ON' if (value | int(0)) > 0 else 'OFF' }}",
                ["bri_cmd_t"] = ObkTopics.ChannelSet(c, ch),
                ["bri_stat_t"] = ObkTopics.ChannelGet(c, ch),
                ["bri_scl"] = 100,
                ["on_cmd_type"] = "brightness",
                ["pl_on"] = "100",
                ["pl_off"] = "0",
            };
        }
        if (r.HasPowerMeter)
        {
            foreach (var m in MeterSensors)
            {
                var sensor = new JsonObject
                {
                    ["p"] = "sensor",
                    ["uniq_id"] = ha.UniqueId(m.Key),
                    ["default_entity_id"] = $"sensor.{ha.Base}_{m.Key}",
                    ["dev_cla"] = m.DeviceClass,
                    ["stat_cla"] = m.StateClass,
                    ["stat_t"] = ObkTopics.Reading(c, m.Quantity),
                    ["sug_dsp_prc"] = m.Precision,
                };
                if (m.Unit is not null)
                {
                    sensor["unit_of_meas"] = m.Unit;
                }
                if (m.Key is "apparent_power" or "reactive_power" or "power_factor")
                {
                    sensor["en"] = false;
                }
                components[m.Key] = sensor;
            }
        }
        components["rssi"] = Diagnostic(ha, "rssi", "RSSI", ObkTopics.Reading(c, "rssi"), "signal_strength", "dBm", "measurement");
        components["uptime"] = Diagnostic(ha, "uptime", "Uptime", ObkTopics.Reading(c, "uptime"), "duration", "s", "total_increasing");
        var ip = Diagnostic(ha, "ip", "IP address", ObkTopics.Reading(c, "ip"), null, null, null);
        ip["ic"] = "mdi:ip-network";
        components["ip"] = ip;
        components["restart"] = new JsonObject
        {
            ["p"] = "button",
            ["uniq_id"] = ha.UniqueId("restart"),
            ["default_entity_id"] = $"button.{ha.Base}_restart",
            ["dev_cla"] = "restart",
            ["ent_cat"] = "config",
            ["cmd_t"] = ObkTopics.Command(c, "restart"),
            ["pl_prs"] = "1",
        };
        components["firmware"] = new JsonObject
        {
            ["p"] = "update",
            ["uniq_id"] = ha.UniqueId("firmware"),
            ["default_entity_id"] = $"update.{ha.Base}_firmware",
            ["name"] = "Firmware",
            ["dev_cla"] = "firmware",
            ["ent_cat"] = "diagnostic",
            ["stat_t"] = context.FirmwareStateTopic(r.Id),
            ["tit"] = "OpenBeken",
        };
        if (context.OffersFirmwareInstall)
        {
            components["firmware"]!["cmd_t"] = DiscoveryContext.FirmwareInstallTopicOf(context.HubId, r.Id);
            components["firmware"]!["pl_inst"] = "install";
        }

        var dev = new JsonObject
        {
            ["ids"] = new JsonArray(ha.Base),
            ["name"] = r.DisplayName,
            ["mf"] = "OpenBeken",
            ["mdl"] = "OpenBeken plug",
        };
        if (r.Mac is not null)
        {
            dev["cns"] = new JsonArray(new JsonArray("mac", r.Mac));
        }
        if (r.Chip is not null)
        {
            dev["mdl_id"] = r.Chip;
        }
        if (r.Version is not null)
        {
            dev["sw"] = r.Version;
        }
        if (r.Area is not null)
        {
            dev["sa"] = r.Area;
        }
        var url = ConfigurationUrl(context, r.Id);
        if (url is not null)
        {
            dev["cu"] = url;
        }
        dev["via_device"] = context.HubId;
        var payload = new JsonObject
        {
            ["dev"] = dev,
            ["o"] = Origin(context),
            // available only when the plug's own LWT says online AND the hub has fresh evidence (home-assistant-and-anchors.md §8)
            ["avty"] = new JsonArray(new JsonObject { ["t"] = ObkTopics.Connected(c) }, new JsonObject { ["t"] = context.AvailabilityTopic(r.Id) }),
            ["avty_mode"] = "all",
            ["qos"] = 1,
            ["cmps"] = components,
        };
        return new DiscoveryMessage(DeviceTopic(context.Prefix, ha.Base), payload.ToJsonString());
    }

    /// <summary>The empty retained payload that removes a device (and all its entities) from HA.</summary>
    public static DiscoveryMessage Removal(string prefix, string deviceId) => new(DeviceTopic(prefix, deviceId), "");

    /// <summary>The hub's own HA device: bridge connectivity and device count.</summary>
    public static DiscoveryMessage ForHub(DiscoveryContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var dev = new JsonObject
        {
            ["ids"] = new JsonArray(context.HubId),
            ["name"] = "OpenBekenHub",
            ["mf"] = "OpenBekenHub",
            ["mdl"] = "Bridge",
            ["sw"] = context.HubVersion,
        };
        if (context.HubBaseUrl is not null)
        {
            dev["cu"] = context.HubBaseUrl.TrimEnd('/') + "/";
        }
        var payload = new JsonObject
        {
            ["dev"] = dev,
            ["o"] = Origin(context),
            ["qos"] = 1,
            ["cmps"] = new JsonObject
            {
                ["connection"] = new JsonObject
                {
                    ["p"] = "binary_sensor",
                    ["uniq_id"] = $"{context.HubId}_connection",
                    ["default_entity_id"] = $"binary_sensor.{context.HubId}_connection",
                    ["name"] = "Broker connection",
                    ["dev_cla"] = "connectivity",
                    ["ent_cat"] = "diagnostic",
                    ["stat_t"] = context.HubStateTopic,
                    ["pl_on"] = "online",
                    ["pl_off"] = "offline",
                },
                ["devices"] = new JsonObject
                {
                    ["p"] = "sensor",
                    ["uniq_id"] = $"{context.HubId}_devices",
                    ["default_entity_id"] = $"sensor.{context.HubId}_devices",
                    ["name"] = "Devices",
                    ["stat_t"] = context.HubDeviceCountTopic,
                    ["stat_cla"] = "measurement",
                    ["unit_of_meas"] = "devices",
                    ["ic"] = "mdi:power-socket-eu",
                    ["avty_t"] = context.HubStateTopic,
                },
            },
        };
        return new DiscoveryMessage(DeviceTopic(context.Prefix, context.HubId), payload.ToJsonString());
    }

    /// <summary>State for the update entity: installed and latest version (latest = installed until OTA knows better).</summary>
    public static string FirmwareState(DeviceRecord record, string? latestVersion = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        var installed = record.Version;
        return new JsonObject
        {
            ["installed_version"] = installed,
            ["latest_version"] = latestVersion ?? installed,
        }.ToJsonString();
    }

    /// <summary>The HA-safe form of any id: only <c>[a-zA-Z0-9_-]</c>.</summary>
    public static string SafeId(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var chars = text.Select(ch => char.IsAsciiLetterOrDigit(ch) || ch is '_' or '-' ? ch : '_').ToArray();
        return chars.Length == 0 ? "_" : new string(chars);
    }

    /// <summary>The HA device's id and the legacy unique ids that win over <c>&lt;base&gt;_&lt;key&gt;</c>.</summary>
    private sealed record Ids(string Base, IReadOnlyDictionary<string, string> Legacy)
    {
        public string UniqueId(string key) => Legacy.TryGetValue(key, out var legacy) ? legacy : $"{Base}_{key}";
    }

    private static JsonObject Diagnostic(Ids ha, string key, string name, string topic, string? deviceClass, string? unit, string? stateClass)
    {
        var o = new JsonObject
        {
            ["p"] = "sensor",
            ["uniq_id"] = ha.UniqueId(key),
            ["default_entity_id"] = $"sensor.{ha.Base}_{key}",
            ["name"] = name,
            ["stat_t"] = topic,
            ["ent_cat"] = "diagnostic",
            ["en"] = false,
        };
        if (deviceClass is not null)
        {
            o["dev_cla"] = deviceClass;
        }
        if (unit is not null)
        {
            o["unit_of_meas"] = unit;
        }
        if (stateClass is not null)
        {
            o["stat_cla"] = stateClass;
        }
        return o;
    }

    private static JsonObject Origin(DiscoveryContext context) => new()
    {
        ["name"] = OriginName,
        ["sw"] = context.HubVersion,
    };

    private static string? ConfigurationUrl(DiscoveryContext context, string deviceId) =>
        string.IsNullOrEmpty(context.HubBaseUrl)
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"{context.HubBaseUrl.TrimEnd('/')}/devices/{Uri.EscapeDataString(deviceId)}");
}
