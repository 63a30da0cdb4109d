using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OpenBekenHub.Mqtt.HomeAssistant;

/// <summary>
/// Checks a discovery message against the rules Home Assistant applies (home-assistant-and-anchors.md §1.12, from
/// core's discovery.py / schemas.py / config.py / sensor const.py): topic characters and component, JSON object,
/// device block with identifiers or connections, origin name, cmps with platform and unique id, required topics per
/// platform, valid device_class / state_class / unit combinations, no <c>config</c> category on read-only platforms,
/// no wildcards in command topics, no deprecated <c>object_id</c>. Returns one sentence per problem; empty = valid.
/// </summary>
public static partial class DiscoveryValidator
{
    public static readonly IReadOnlySet<string> Platforms = new HashSet<string>(StringComparer.Ordinal)
    {
        "alarm_control_panel", "binary_sensor", "button", "camera", "climate", "cover", "device_automation", "device_tracker",
        "event", "fan", "humidifier", "image", "lawn_mower", "light", "lock", "notify", "number", "scene", "select", "sensor",
        "siren", "switch", "tag", "text", "update", "vacuum", "valve", "water_heater",
    };

    private static readonly Dictionary<string, string> Abbreviations = new(StringComparer.Ordinal)
    {
        ["avty"] = "availability", ["avty_mode"] = "availability_mode", ["avty_t"] = "availability_topic", ["avty_tpl"] = "availability_template",
        ["bri_cmd_t"] = "brightness_command_topic", ["bri_scl"] = "brightness_scale", ["bri_stat_t"] = "brightness_state_topic",
        ["cmd_t"] = "command_topic", ["cmd_tpl"] = "command_template", ["cmps"] = "components", ["dev"] = "device", ["dev_cla"] = "device_class",
        ["en"] = "enabled_by_default", ["ent_cat"] = "entity_category", ["ic"] = "icon", ["json_attr_t"] = "json_attributes_topic",
        ["l_ver_t"] = "latest_version_topic", ["o"] = "origin", ["obj_id"] = "object_id", ["p"] = "platform", ["pl_avail"] = "payload_available",
        ["pl_not_avail"] = "payload_not_available", ["pl_off"] = "payload_off", ["pl_on"] = "payload_on", ["pl_prs"] = "payload_press",
        ["pl_inst"] = "payload_install", ["stat_cla"] = "state_class", ["stat_off"] = "state_off", ["stat_on"] = "state_on", ["stat_t"] = "state_topic",
        ["stat_val_tpl"] = "state_value_template", ["sug_dsp_prc"] = "suggested_display_precision", ["tit"] = "title", ["uniq_id"] = "unique_id",
        ["unit_of_meas"] = "unit_of_measurement", ["val_tpl"] = "value_template", ["migr_discvry"] = "migrate_discovery", ["t"] = "topic",
        ["ids"] = "identifiers", ["cns"] = "connections", ["mf"] = "manufacturer", ["mdl"] = "model", ["mdl_id"] = "model_id", ["sw"] = "sw_version",
        ["hw"] = "hw_version", ["sn"] = "serial_number", ["sa"] = "suggested_area", ["cu"] = "configuration_url", ["url"] = "support_url",
    };

    private static readonly string[] SharedOptions = ["availability", "availability_topic", "availability_mode", "availability_template", "payload_available", "payload_not_available", "state_topic", "command_topic", "qos", "encoding"];

    private static readonly IReadOnlySet<string> StateClasses = new HashSet<string>(StringComparer.Ordinal) { "measurement", "measurement_angle", "total", "total_increasing" };

    /// <summary>Sensor device classes we may publish, with allowed units (null entry = no unit allowed) and state classes.</summary>
    private static readonly Dictionary<string, (string?[] Units, string[] StateClasses)> SensorClasses = new(StringComparer.Ordinal)
    {
        ["power"] = (["mW", "W", "kW", "MW", "GW", "TW", "BTU/h"], ["measurement"]),
        ["energy"] = (["J", "kJ", "MJ", "GJ", "mWh", "Wh", "kWh", "MWh", "GWh", "TWh", "cal", "kcal", "Mcal", "Gcal"], ["total", "total_increasing"]),
        ["voltage"] = (["µV", "mV", "V", "kV", "MV"], ["measurement"]),
        ["current"] = (["mA", "A"], ["measurement"]),
        ["apparent_power"] = (["mVA", "VA", "kVA"], ["measurement"]),
        ["reactive_power"] = (["mvar", "var", "kvar"], ["measurement"]),
        ["power_factor"] = (["%", null], ["measurement"]),
        ["frequency"] = (["Hz", "kHz", "MHz", "GHz"], ["measurement"]),
        ["signal_strength"] = (["dB", "dBm"], ["measurement"]),
        ["temperature"] = (["°C", "°F", "K"], ["measurement"]),
        ["humidity"] = (["%"], ["measurement"]),
        ["duration"] = (["d", "h", "min", "s", "ms", "µs"], ["measurement", "total", "total_increasing"]),
        ["timestamp"] = ([null], []),
        ["enum"] = ([null], []),
    };

    private static readonly Dictionary<string, IReadOnlySet<string>> DeviceClasses = new(StringComparer.Ordinal)
    {
        ["switch"] = new HashSet<string> { "outlet", "switch" },
        ["button"] = new HashSet<string> { "identify", "restart", "update" },
        ["update"] = new HashSet<string> { "firmware" },
        ["binary_sensor"] = new HashSet<string>
        {
            "battery", "battery_charging", "carbon_monoxide", "cold", "connectivity", "door", "garage_door", "gas", "heat", "light", "lock",
            "moisture", "motion", "moving", "occupancy", "opening", "plug", "power", "presence", "problem", "running", "safety", "smoke",
            "sound", "tamper", "update", "vibration", "window",
        },
    };

    /// <summary>Platforms whose discovery schema requires <c>command_topic</c> / <c>state_topic</c> (core config.py and platforms).</summary>
    private static readonly IReadOnlySet<string> NeedsCommandTopic = new HashSet<string> { "switch", "light", "button", "number", "select", "text", "fan", "lock", "siren" };
    private static readonly IReadOnlySet<string> NeedsStateTopic = new HashSet<string> { "sensor", "binary_sensor", "update" };

    [GeneratedRegex("^[a-zA-Z0-9_-]+$")]
    private static partial Regex IdChars();

    [GeneratedRegex("^[a-z_]+\\.[a-z0-9_]+$")]
    private static partial Regex EntityId();

    /// <summary>Validates one message published on <paramref name="topic"/> under <paramref name="prefix"/>. Never throws for bad input.</summary>
    public static IReadOnlyList<string> Validate(string prefix, string topic, string payload)
    {
        try
        {
            return ValidateCore(prefix, topic, payload);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
        {
            return [$"payload is malformed: {ex.Message}"];
        }
    }

    private static IReadOnlyList<string> ValidateCore(string prefix, string topic, string payload)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(topic);
        var problems = new List<string>();
        var component = CheckTopic(prefix, topic, problems);
        if (string.IsNullOrEmpty(payload) || component is null)
        {
            return problems; // empty payload = removal, always allowed
        }
        JsonObject? root;
        try
        {
            root = JsonNode.Parse(payload) as JsonObject;
        }
        catch (JsonException ex)
        {
            problems.Add($"payload is not JSON: {ex.Message}");
            return problems;
        }
        if (root is null)
        {
            problems.Add("payload is not a JSON object");
            return problems;
        }
        var config = Expand(root);
        if (config.ContainsKey("migrate_discovery"))
        {
            return problems;
        }
        CheckDevice(config["device"] as JsonObject, component == "device", problems);
        CheckOrigin(config, component == "device", problems);
        if (component == "device")
        {
            if (config["components"] is not JsonObject cmps || cmps.Count == 0)
            {
                problems.Add("device discovery needs a non-empty 'components' (cmps) map");
                return problems;
            }
            foreach (var (key, node) in cmps)
            {
                if (!IdChars().IsMatch(key))
                {
                    problems.Add($"component id '{key}' has characters outside [a-zA-Z0-9_-]");
                }
                if (node is not JsonObject cmp)
                {
                    problems.Add($"component '{key}' is not an object");
                    continue;
                }
                var merged = Expand(cmp);
                foreach (var shared in SharedOptions)
                {
                    if (!merged.ContainsKey(shared) && config[shared] is { } value)
                    {
                        merged[shared] = value.DeepClone();
                    }
                }
                var platform = Str(merged["platform"]);
                if (platform is null || !Platforms.Contains(platform))
                {
                    problems.Add($"component '{key}': platform (p) missing or not supported ('{platform}')");
                    continue;
                }
                if (cmp.Count < 2)
                {
                    problems.Add($"component '{key}': needs at least one option besides 'p' (only 'p' means remove)");
                }
                CheckEntity($"component '{key}'", platform, merged, problems);
            }
        }
        else
        {
            CheckEntity("entity", component, config, problems);
        }
        return problems;
    }

    private static string? CheckTopic(string prefix, string topic, List<string> problems)
    {
        if (!topic.StartsWith(prefix + "/", StringComparison.Ordinal) || !topic.EndsWith("/config", StringComparison.Ordinal))
        {
            problems.Add($"topic '{topic}' is not '{prefix}/<component>/[<node_id>/]<object_id>/config'");
            return null;
        }
        var levels = topic[(prefix.Length + 1)..^"/config".Length].Split('/');
        if (levels.Length is < 2 or > 3)
        {
            problems.Add($"topic '{topic}' must have a component, an optional node_id and an object_id");
            return null;
        }
        var component = levels[0];
        if (component != "device" && !Platforms.Contains(component))
        {
            problems.Add($"unknown component '{component}' in topic '{topic}'");
            return null;
        }
        foreach (var id in levels.Skip(1))
        {
            if (!IdChars().IsMatch(id))
            {
                problems.Add($"node_id/object_id '{id}' has characters outside [a-zA-Z0-9_-]");
            }
        }
        return component;
    }

    private static void CheckDevice(JsonObject? device, bool required, List<string> problems)
    {
        if (device is null)
        {
            if (required)
            {
                problems.Add("device discovery needs a 'device' (dev) block");
            }
            return;
        }
        var dev = Expand(device);
        var ids = dev["identifiers"] switch
        {
            JsonArray a => a.Count,
            JsonValue v when v.TryGetValue<string>(out var s) && s.Length > 0 => 1,
            _ => 0,
        };
        var connections = dev["connections"] as JsonArray;
        if (connections is not null)
        {
            foreach (var pair in connections)
            {
                if (pair is not JsonArray p || p.Count != 2)
                {
                    problems.Add("device connections entries must be [type, value] pairs");
                }
            }
        }
        if (ids == 0 && (connections is null || connections.Count == 0))
        {
            problems.Add("device must have at least one identifier (ids) or connection (cns)");
        }
        if (dev["configuration_url"] is { } cu)
        {
            var text = cu.GetValueKind() == JsonValueKind.String ? cu.GetValue<string>() : null;
            if (text is null || !Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "homeassistant"))
            {
                problems.Add($"device configuration_url '{text}' is not an http(s) or homeassistant:// URL");
            }
        }
        if (dev["name"] is { } name && (name.GetValueKind() != JsonValueKind.String || string.IsNullOrWhiteSpace(name.GetValue<string>())))
        {
            problems.Add("device name must be a non-empty string");
        }
    }

    private static void CheckOrigin(JsonObject config, bool required, List<string> problems)
    {
        if (config["origin"] is not JsonObject origin)
        {
            if (required)
            {
                problems.Add("device discovery needs an 'origin' (o) block");
            }
            return;
        }
        var o = Expand(origin);
        if (o["name"] is not JsonValue n || !n.TryGetValue<string>(out var s) || string.IsNullOrWhiteSpace(s))
        {
            problems.Add("origin needs a 'name'");
        }
        if (o["support_url"] is JsonValue u && (!u.TryGetValue<string>(out var url) || !Uri.TryCreate(url, UriKind.Absolute, out _)))
        {
            problems.Add("origin support_url is not a URL");
        }
    }

    private static void CheckEntity(string what, string platform, JsonObject e, List<string> problems)
    {
        if (e["unique_id"] is not JsonValue uid || !uid.TryGetValue<string>(out var u) || u.Length == 0)
        {
            problems.Add($"{what}: unique_id (uniq_id) is required");
        }
        if (e.ContainsKey("object_id"))
        {
            problems.Add($"{what}: object_id is deprecated (stops working in HA 2026.4); use default_entity_id");
        }
        if (e["default_entity_id"] is { } de && (de.GetValueKind() != JsonValueKind.String || !EntityId().IsMatch(de.GetValue<string>()) || !de.GetValue<string>().StartsWith(platform + ".", StringComparison.Ordinal)))
        {
            problems.Add($"{what}: default_entity_id must be '{platform}.<object_id>'");
        }
        if (e.ContainsKey("availability") && e.ContainsKey("availability_topic"))
        {
            problems.Add($"{what}: availability and availability_topic are mutually exclusive");
        }
        if (NeedsCommandTopic.Contains(platform) && !HasString(e, "command_topic"))
        {
            problems.Add($"{what}: platform {platform} requires command_topic");
        }
        if (NeedsStateTopic.Contains(platform) && !HasString(e, "state_topic"))
        {
            problems.Add($"{what}: platform {platform} requires state_topic");
        }
        foreach (var (key, value) in e)
        {
            if (key.EndsWith("command_topic", StringComparison.Ordinal) && value is JsonValue v && v.TryGetValue<string>(out var t) && (t.Contains('+') || t.Contains('#') || t.Length == 0))
            {
                problems.Add($"{what}: {key} '{t}' is not a valid publish topic");
            }
        }
        var category = Str(e["entity_category"]);
        if (category is not null && category is not ("config" or "diagnostic"))
        {
            problems.Add($"{what}: entity_category must be config or diagnostic");
        }
        if (category == "config" && platform is "sensor" or "binary_sensor")
        {
            problems.Add($"{what}: a {platform} cannot have entity_category config (HA refuses to add it)");
        }
        foreach (var key in new[] { "entity_category", "device_class", "state_class", "unit_of_measurement", "platform" })
        {
            if (e[key] is { } node && node.GetValueKind() != JsonValueKind.String && node.GetValueKind() != JsonValueKind.Null)
            {
                problems.Add($"{what}: {key} must be a string");
            }
        }
        var deviceClass = Str(e["device_class"]);
        var stateClass = Str(e["state_class"]);
        var unit = Str(e["unit_of_measurement"]);
        if (stateClass is not null && (platform != "sensor" || !StateClasses.Contains(stateClass)))
        {
            problems.Add($"{what}: state_class '{stateClass}' is not valid here");
        }
        if (deviceClass is null)
        {
            return;
        }
        if (platform == "sensor")
        {
            if (!SensorClasses.TryGetValue(deviceClass, out var rule))
            {
                problems.Add($"{what}: sensor device_class '{deviceClass}' is unknown to this checker");
                return;
            }
            if (!rule.Units.Contains(unit))
            {
                problems.Add($"{what}: unit '{unit ?? "(none)"}' is not valid for device_class {deviceClass}");
            }
            if (stateClass is not null && !rule.StateClasses.Contains(stateClass))
            {
                problems.Add($"{what}: state_class '{stateClass}' is impossible for device_class {deviceClass}");
            }
        }
        else if (DeviceClasses.TryGetValue(platform, out var allowed) && !allowed.Contains(deviceClass))
        {
            problems.Add($"{what}: device_class '{deviceClass}' is not valid for {platform}");
        }
    }

    private static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static bool HasString(JsonObject e, string key) =>
        e[key] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0;

    /// <summary>Expands abbreviated keys (one level) and the <c>~</c> base in keys ending in <c>topic</c>.</summary>
    private static JsonObject Expand(JsonObject source)
    {
        var result = new JsonObject();
        var tilde = source["~"] is JsonValue tv && tv.TryGetValue<string>(out var ts) ? ts : null;
        foreach (var (key, value) in source)
        {
            var full = Abbreviations.GetValueOrDefault(key, key);
            var copy = value?.DeepClone();
            if (tilde is not null && full.EndsWith("topic", StringComparison.Ordinal) && copy is JsonValue cv && cv.TryGetValue<string>(out var topic))
            {
                copy = topic.StartsWith('~') ? tilde + topic[1..] : topic.EndsWith('~') ? topic[..^1] + tilde : topic;
            }
            result[full] = copy;
        }
        return result;
    }
}
