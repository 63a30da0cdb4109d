using System.Text.Json.Nodes;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.HomeAssistant;

namespace OpenBekenHub.Mqtt.Tests;

/// <summary>The discovery payloads the hub builds, and the checker that holds them to HA's rules.</summary>
public sealed class DiscoveryTests
{
    private static readonly DiscoveryContext Context = new("homeassistant", "obkhub", "0.1.0", "http://hub.local:8080");

    private static DeviceSnapshot Plug(bool meter, params ChannelInfo[] channels) => new(
        new DeviceRecord("obk_020b00000001", "obk00000001", "02:0b:00:00:00:01", "192.168.1.50", "OpenBK7231N 1.18.230 Jan 17 2026 12:00:00", "BK7231N",
            DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, "Kitchen plug", "Kitchen")
        {
            Channels = channels.Length == 0 ? [new ChannelInfo(1, ChannelRole.Relay)] : channels,
            HasPowerMeter = meter,
        },
        Availability.Online, new Dictionary<int, int>(), new Dictionary<string, double>(), null, null);

    [Fact]
    public void A_metering_plug_is_one_device_message_with_switch_sensors_diagnostics_button_and_update()
    {
        var message = DiscoveryBuilder.ForDevice(Plug(meter: true), Context);

        Assert.Equal("homeassistant/device/obk_020b00000001/config", message.Topic);
        Assert.Empty(DiscoveryValidator.Validate("homeassistant", message.Topic, message.Payload));
        var o = JsonNode.Parse(message.Payload)!;
        // available only when the plug's LWT and the hub's own verdict both say so
        Assert.Equal("all", o["avty_mode"]!.GetValue<string>());
        Assert.Equal(["obk00000001/connected", "obkhub/devices/obk_020b00000001/availability"], o["avty"]!.AsArray().Select(a => a!["t"]!.GetValue<string>()));
        Assert.Null(o["avty_t"]);
        Assert.Equal("OpenBekenHub", o["o"]!["name"]!.GetValue<string>());
        Assert.Equal("obkhub", o["dev"]!["via_device"]!.GetValue<string>());
        Assert.Equal("mac", o["dev"]!["cns"]![0]![0]!.GetValue<string>());
        Assert.Equal("http://hub.local:8080/devices/obk_020b00000001", o["dev"]!["cu"]!.GetValue<string>());
        var cmps = o["cmps"]!.AsObject();
        Assert.Equal("switch", cmps["relay_1"]!["p"]!.GetValue<string>());
        Assert.Equal("obk00000001/1/set", cmps["relay_1"]!["cmd_t"]!.GetValue<string>());
        Assert.Equal("1", cmps["relay_1"]!["pl_on"]!.GetValue<string>()); // never ON/OFF: both switch the relay off
        Assert.Equal("obk_020b00000001_relay_1", cmps["relay_1"]!["uniq_id"]!.GetValue<string>());
        Assert.Equal("switch.obk_020b00000001_relay_1", cmps["relay_1"]!["default_entity_id"]!.GetValue<string>());
        Assert.Equal("total_increasing", cmps["energy"]!["stat_cla"]!.GetValue<string>());
        Assert.Equal("obk00000001/energycounter/get", cmps["energy"]!["stat_t"]!.GetValue<string>());
        Assert.False(cmps["rssi"]!["en"]!.GetValue<bool>());
        Assert.Equal("diagnostic", cmps["uptime"]!["ent_cat"]!.GetValue<string>());
        Assert.Equal("button", cmps["restart"]!["p"]!.GetValue<string>());
        Assert.Equal("update", cmps["firmware"]!["p"]!.GetValue<string>());
        Assert.DoesNotContain("object_id", message.Payload, StringComparison.Ordinal);
        Assert.DoesNotContain("obj_id", message.Payload, StringComparison.Ordinal);
    }

    [Fact]
    public void A_replacement_is_announced_as_the_replaced_plug_with_its_legacy_ids_but_its_own_topics()
    {
        var replacement = Plug(meter: false) with
        {
            Record = Plug(meter: false).Record with { LegacyUniqueIds = new Dictionary<string, string> { ["relay_1"] = "replacement_own_legacy" } },
        };
        var identity = new HomeAssistantIdentity("obk_020b000000aa", new Dictionary<string, string> { ["relay_1"] = "Kettle_relay_1" }, null);

        var message = DiscoveryBuilder.ForDevice(replacement, Context, identity);

        Assert.Equal("homeassistant/device/obk_020b000000aa/config", message.Topic);
        Assert.Empty(DiscoveryValidator.Validate("homeassistant", message.Topic, message.Payload));
        var o = JsonNode.Parse(message.Payload)!;
        Assert.Equal("obk_020b000000aa", o["dev"]!["ids"]![0]!.GetValue<string>());
        var cmps = o["cmps"]!.AsObject();
        Assert.Equal("Kettle_relay_1", cmps["relay_1"]!["uniq_id"]!.GetValue<string>()); // the replaced plug's legacy id, not the replacement's own
        Assert.Equal("switch.obk_020b000000aa_relay_1", cmps["relay_1"]!["default_entity_id"]!.GetValue<string>());
        Assert.Equal("obk_020b000000aa_restart", cmps["restart"]!["uniq_id"]!.GetValue<string>());
        Assert.Equal("obk00000001/1/set", cmps["relay_1"]!["cmd_t"]!.GetValue<string>());
        Assert.Equal("obkhub/devices/obk_020b00000001/firmware", cmps["firmware"]!["stat_t"]!.GetValue<string>());
        Assert.Equal(["obk00000001/connected", "obkhub/devices/obk_020b00000001/availability"], o["avty"]!.AsArray().Select(a => a!["t"]!.GetValue<string>()));
    }

    [Fact]
    public void Unique_ids_come_from_the_mac_not_from_the_editable_name()
    {
        var a = DiscoveryBuilder.ForDevice(Plug(meter: true), Context);
        var renamed = Plug(meter: true) with { Record = Plug(meter: true).Record with { FriendlyName = "Renamed", Area = null } };
        var b = DiscoveryBuilder.ForDevice(renamed, Context);

        Assert.Equal(Ids(a.Payload), Ids(b.Payload));
        Assert.Contains("Renamed", b.Payload, StringComparison.Ordinal);

        static string[] Ids(string payload) => JsonNode.Parse(payload)!["cmps"]!.AsObject().Select(kv => kv.Value!["uniq_id"]!.GetValue<string>()).ToArray();
    }

    [Fact]
    public void Several_relays_and_inputs_and_the_hub_device_are_valid()
    {
        var multi = DiscoveryBuilder.ForDevice(Plug(false, new(1, ChannelRole.Relay), new(2, ChannelRole.Relay), new(3, ChannelRole.Input), new(4, ChannelRole.Dimmer)), Context);
        var hub = DiscoveryBuilder.ForHub(Context);

        Assert.Empty(DiscoveryValidator.Validate("homeassistant", multi.Topic, multi.Payload));
        Assert.Empty(DiscoveryValidator.Validate("homeassistant", hub.Topic, hub.Payload));
        Assert.Equal("Relay 2", JsonNode.Parse(multi.Payload)!["cmps"]!["relay_2"]!["name"]!.GetValue<string>());
        Assert.Empty(DiscoveryValidator.Validate("homeassistant", "homeassistant/device/obk_x/config", "")); // removal
    }

    [Fact]
    public void Legacy_unique_ids_kept_after_a_migration_are_reused()
    {
        var plug = Plug(meter: true);
        plug = plug with { Record = plug.Record with { LegacyUniqueIds = new Dictionary<string, string> { ["relay_1"] = "OpenBK7231N_00000001_relay_1" } } };

        var message = DiscoveryBuilder.ForDevice(plug, Context);

        Assert.Equal("OpenBK7231N_00000001_relay_1", JsonNode.Parse(message.Payload)!["cmps"]!["relay_1"]!["uniq_id"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("homeassistant/device/obk.bad/config", "{}", "characters outside")]
    [InlineData("homeassistant/dev1ce/obk/config", "{}", "unknown component")]
    [InlineData("homeassistant/device/obk/config", "[1,2]", "not a JSON object")]
    [InlineData("homeassistant/device/obk/config", "not json", "not JSON")]
    [InlineData("homeassistant/device/obk/config", """{"dev":{"name":"x"},"o":{"name":"h"},"cmps":{"a":{"p":"switch","uniq_id":"u","cmd_t":"c"}}}""", "at least one identifier")]
    [InlineData("homeassistant/device/obk/config", """{"dev":{"ids":["x"]},"o":{"sw":"1"},"cmps":{"a":{"p":"switch","uniq_id":"u","cmd_t":"c"}}}""", "origin needs a 'name'")]
    [InlineData("homeassistant/device/obk/config", """{"dev":{"ids":["x"]},"cmps":{"a":{"p":"switch","uniq_id":"u","cmd_t":"c"}}}""", "needs an 'origin'")]
    [InlineData("homeassistant/device/obk/config", """{"dev":{"ids":["x"]},"o":{"name":"h"},"cmps":{"a":{"p":"switch","uniq_id":"u"}}}""", "requires command_topic")]
    [InlineData("homeassistant/device/obk/config", """{"dev":{"ids":["x"]},"o":{"name":"h"},"cmps":{"a":{"p":"sensor","uniq_id":"u","stat_t":"s","dev_cla":"energy","unit_of_meas":"Wh","stat_cla":"measurement"}}}""", "impossible for device_class energy")]
    [InlineData("homeassistant/device/obk/config", """{"dev":{"ids":["x"]},"o":{"name":"h"},"cmps":{"a":{"p":"sensor","uniq_id":"u","stat_t":"s","dev_cla":"power","unit_of_meas":"Wh"}}}""", "not valid for device_class power")]
    [InlineData("homeassistant/device/obk/config", """{"dev":{"ids":["x"]},"o":{"name":"h"},"cmps":{"a":{"p":"sensor","uniq_id":"u","stat_t":"s","ent_cat":"config"}}}""", "cannot have entity_category config")]
    [InlineData("homeassistant/device/obk/config", """{"dev":{"ids":["x"]},"o":{"name":"h"},"cmps":{"a":{"p":"switch","uniq_id":"u","cmd_t":"c/+/set"}}}""", "not a valid publish topic")]
    [InlineData("homeassistant/device/obk/config", """{"dev":{"ids":["x"]},"o":{"name":"h"},"cmps":{"a":{"p":"switch","obj_id":"x","uniq_id":"u","cmd_t":"c"}}}""", "object_id is deprecated")]
    [InlineData("homeassistant/device/obk/config", """{"dev":{"ids":["x"]},"o":{"name":"h"},"cmps":{"a":{"p":"switch","cmd_t":"c"}}}""", "unique_id (uniq_id) is required")]
    [InlineData("homeassistant/device/obk/config", """{"dev":{"ids":["x"]},"o":{"name":"h"},"cmps":{"a":{"p":"toaster","uniq_id":"u"}}}""", "not supported")]
    [InlineData("homeassistant/device/obk/config", """{"dev":{"ids":["x"],"cu":"ftp://x"},"o":{"name":"h"},"cmps":{"a":{"p":"switch","uniq_id":"u","cmd_t":"c"}}}""", "configuration_url")]
    [InlineData("homeassistant/device/obk/config", """{"dev":{"ids":["x"]},"o":{"name":"h"},"avty_t":"a","avty":[{"t":"b"}],"cmps":{"a":{"p":"switch","uniq_id":"u","cmd_t":"c"}}}""", "mutually exclusive")]
    [InlineData("homeassistant/device/obk/config", """{"dev":{"ids":["x"]},"o":{"name":"h"},"cmps":{"a":{"p":"button","uniq_id":"u","cmd_t":"c","dev_cla":"reboot"}}}""", "not valid for button")]
    [InlineData("homeassistant/device/obk/config", """{"dev":{"ids":["x"]},"o":{"name":"h"},"cmps":{"a":{"p":"sensor","uniq_id":"u","stat_t":"s","dev_cla":5}}}""", "device_class must be a string")]
    [InlineData("homeassistant/device/obk/config", """{"dev":{"ids":["x"]},"o":{"name":"h"},"o":{"name":"h"},"cmps":{}}""", "malformed")]
    public void The_checker_rejects_a_deliberately_wrong_payload(string topic, string payload, string expected)
    {
        var problems = DiscoveryValidator.Validate("homeassistant", topic, payload);

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void The_checker_expands_the_tilde_base_like_home_assistant()
    {
        const string payload = """{"~":"obk1","dev":{"ids":["x"]},"o":{"name":"h"},"cmps":{"a":{"p":"switch","uniq_id":"u","cmd_t":"~/1/set"}}}""";

        Assert.Empty(DiscoveryValidator.Validate("homeassistant", "homeassistant/device/obk/config", payload));
    }
}
