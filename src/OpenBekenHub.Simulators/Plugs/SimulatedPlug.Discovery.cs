using System.Text.Json.Nodes;
using MQTTnet;
using MQTTnet.Protocol;

namespace OpenBekenHub.Simulators.Plugs;

/// <summary>
/// The firmware's own per-entity Home Assistant discovery (<c>hass.c</c>): one retained QoS 1 message per entity on
/// <c>homeassistant/&lt;component&gt;/&lt;long&gt;_&lt;kind&gt;/config</c>, abbreviated keys, unique ids from the long name.
/// Triggered by <c>scheduleHADiscovery</c> and by flag 27 after connect.
/// </summary>
public sealed partial class SimulatedPlug
{
    /// <summary>The (topic, payload) pairs the firmware announces; exposed for tests.</summary>
    public IReadOnlyList<(string Topic, string Payload)> OwnDiscoveryMessages()
    {
        var list = new List<(string, string)>();
        var id = FriendlyName.Replace(' ', '_');
        if (Meter is not null)
        {
            (string Name, string Title, string Cls, string Unit, string StateClass, int Suffix)[] meter =
            [
                ("voltage", "Voltage", "voltage", "V", "measurement", 0),
                ("current", "Current", "current", "A", "measurement", 1),
                ("power", "Power", "power", "W", "measurement", 2),
                ("power_apparent", "Apparent Power", "apparent_power", "VA", "measurement", 9),
                ("power_reactive", "Reactive Power", "reactive_power", "var", "measurement", 10),
                ("power_factor", "Power Factor", "power_factor", "", "measurement", 11),
                ("energycounter", "Energy Total", "energy", "Wh", "total_increasing", 3),
                ("energycounter_last_hour", "Energy Last Hour", "energy", "Wh", "total_increasing", 4),
            ];
            foreach (var m in meter)
            {
                var uid = $"{id}_sensor_{m.Suffix}";
                var o = Common(m.Title, uid);
                o["dev_cla"] = m.Cls;
                o["stat_t"] = $"~/{m.Name}/get";
                o["stat_cla"] = m.StateClass;
                if (m.Unit.Length > 0)
                {
                    o["unit_of_meas"] = m.Unit;
                }
                list.Add(($"homeassistant/sensor/{uid}/config", o.ToJsonString()));
            }
        }
        foreach (var ch in _relays.Order())
        {
            var uid = $"{id}_relay_{ch}";
            var o = Common(ch.ToString(System.Globalization.CultureInfo.InvariantCulture), uid, onOff: true);
            o["stat_t"] = $"~/{ch}/get";
            o["cmd_t"] = $"~/{ch}/set";
            list.Add(($"homeassistant/switch/{uid}/config", o.ToJsonString()));
        }
        foreach (var ch in _inputs.Order())
        {
            var uid = $"{id}_binary_sensor_{ch}";
            var o = Common(ch.ToString(System.Globalization.CultureInfo.InvariantCulture), uid);
            o["pl_on"] = "0";
            o["pl_off"] = "1";
            o["stat_t"] = $"~/{ch}/get";
            list.Add(($"homeassistant/binary_sensor/{uid}/config", o.ToJsonString()));
        }
        if (HasFlag(2) || HasFlag(10))
        {
            (string Kind, string Title, string Topic, string? Cls, string? Unit, string? StateClass)[] diags =
            [
                ("temp", "Temperature", "~/temp", "temperature", "°C", "measurement"),
                ("rssi", "RSSI", "~/rssi", "signal_strength", "dBm", "measurement"),
                ("uptime", "Uptime", "~/uptime", "duration", "s", "total_increasing"),
                ("build", "Build", "~/build", null, null, null),
                ("ssid", "SSID", "~/ssid", null, null, null),
                ("ip", "IP", "~/ip", null, null, null),
            ];
            foreach (var d in diags)
            {
                var uid = $"{id}_{d.Kind}";
                var o = Common(d.Title, uid);
                o["stat_t"] = d.Topic;
                if (d.Cls is not null)
                {
                    o["dev_cla"] = d.Cls;
                }
                if (d.Unit is not null)
                {
                    o["unit_of_meas"] = d.Unit;
                }
                if (d.StateClass is not null)
                {
                    o["stat_cla"] = d.StateClass;
                }
                o["entity_category"] = "diagnostic";
                list.Add(($"homeassistant/sensor/{uid}/config", o.ToJsonString()));
            }
        }
        return list;
    }

    private JsonObject Common(string name, string uniqueId, bool onOff = false)
    {
        var o = new JsonObject
        {
            ["dev"] = new JsonObject
            {
                ["ids"] = new JsonArray(FriendlyName),
                ["name"] = ShortName,
                ["sw"] = Settings.Version,
                ["mf"] = "Beken Corporation",
                ["mdl"] = Settings.Chip,
                ["cu"] = $"http://{Settings.Ip}/index",
            },
            ["name"] = name,
            ["~"] = ClientTopic,
        };
        if (!HasFlag(35))
        {
            o["avty_t"] = "~/connected";
        }
        if (onOff)
        {
            o["pl_on"] = "1";
            o["pl_off"] = "0";
        }
        o["uniq_id"] = uniqueId;
        o["qos"] = 1;
        return o;
    }

    private void QueueOwnDiscovery()
    {
        foreach (var (topic, payload) in OwnDiscoveryMessages())
        {
            _discovery.Enqueue(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag().Build());
        }
    }
}
