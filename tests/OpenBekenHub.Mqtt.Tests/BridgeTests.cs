using System.Text.Json.Nodes;
using OpenBekenHub.Mqtt.Commands;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.HomeAssistant;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Mqtt.Tests;

/// <summary>The bridge against real brokers (Mosquitto process and the embedded MQTTnet broker) and simulated plugs.</summary>
public sealed class BridgeTests
{
    public static TheoryData<BrokerKind> Brokers => new() { BrokerKind.Mosquitto, BrokerKind.Embedded };

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task Plugs_appear_and_are_adopted_from_their_topics(BrokerKind kind)
    {
        await using var h = await BridgeHarness.StartAsync(kind, plugs: 3);

        await h.AllAdoptedAsync(3);

        foreach (var plug in h.Fleet.Plugs)
        {
            var device = h.DeviceOf(plug);
            Assert.Equal(DeviceRecord.IdFromMac(plug.Settings.Mac), device.Id);
            Assert.Equal(plug.Settings.Mac, device.Record.Mac);
            Assert.Equal("BK7231N", device.Record.Chip);
            Assert.Equal("1.18.230", device.Record.Version);
            Assert.Contains(device.Record.Channels, c => c.Channel == 1 && c.Role == ChannelRole.Relay);
        }
        await Eventually.TrueAsync(() => h.DeviceOf(h.Fleet[0]).Record.HasPowerMeter, because: "plug 0 has a meter and publishes voltage");
        Assert.False(h.DeviceOf(h.Fleet[1]).Record.HasPowerMeter);
        await Eventually.TrueAsync(() => h.Store.Count == 3, because: "adopted devices are stored");
        await Eventually.TrueAsync(() => h.HomeAssistant.On($"homeassistant/device/{h.DeviceOf(h.Fleet[2]).Id}/config").Any(m => m.Payload.Length > 0),
            because: "each plug is announced to HA");
        h.AssertAllDiscoveryValid();
    }

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task Relay_toggle_from_the_command_service_reaches_the_plug_and_the_state_comes_back(BrokerKind kind)
    {
        await using var h = await BridgeHarness.StartAsync(kind, plugs: 2);
        await h.AllAdoptedAsync(2);
        var plug = h.Fleet[1];
        var id = h.DeviceOf(plug).Id;
        await Eventually.TrueAsync(() => h.DeviceOf(plug).Channels.ContainsKey(1), because: "channel 1 state known");

        var on = await h.Bridge.Commands.SetChannelAsync(id, 1, ChannelAction.On);
        Assert.Equal(CommandStatus.Ok, on.Status);
        Assert.True(plug.IsRelayOn(1));
        Assert.Equal(1, on.Device!.Channels[1]);

        var again = await h.Bridge.Commands.SetChannelAsync(id, 1, ChannelAction.On);
        Assert.Equal(CommandStatus.Ok, again.Status); // firmware publishes nothing for the same value; answered from state

        var toggled = await h.Bridge.Commands.SetChannelAsync(id, 1, ChannelAction.Toggle);
        Assert.Equal(CommandStatus.Ok, toggled.Status);
        Assert.False(plug.IsRelayOn(1));
        Assert.Equal(0, toggled.Device!.Channels[1]);

        plug.PressButton();
        await Eventually.TrueAsync(() => h.DeviceOf(plug).Channels[1] == 1, because: "a local button press shows up in the registry");
    }

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task Console_commands_return_the_firmware_reply_over_mqtt(BrokerKind kind)
    {
        await using var h = await BridgeHarness.StartAsync(kind, plugs: 1);
        await h.AllAdoptedAsync(1);
        var id = h.DeviceOf(h.Fleet[0]).Id;

        var power = await h.Bridge.Commands.ExecuteAsync(id, "POWER TOGGLE");
        Assert.Equal(CommandStatus.Ok, power.Status);
        Assert.Equal("{\"POWER\":\"ON\"}", power.Reply);

        var net = await h.Bridge.Commands.ExecuteAsync(id, "STATUS 5");
        Assert.Equal(CommandStatus.Ok, net.Status);
        Assert.Equal(h.Fleet[0].Settings.Mac.ToUpperInvariant(), JsonNode.Parse(net.Reply!)!["StatusNET"]!["Mac"]!.GetValue<string>());

        var flags = await h.Bridge.Commands.ExecuteAsync(id, "SetFlag 21 1");
        Assert.Equal(CommandStatus.Sent, flags.Status); // no MQTT reply for this command in the firmware
        await Eventually.TrueAsync(() => h.Fleet[0].Flags == ((1UL << 10) | (1UL << 21)), because: "the flag reached the plug");
    }

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task Home_assistant_birth_republishes_every_config_over_the_jitter_window(BrokerKind kind)
    {
        await using var h = await BridgeHarness.StartAsync(kind, plugs: 5);
        await h.AllAdoptedAsync(5);
        await Eventually.TrueAsync(() => h.Bridge.HomeAssistant.AnnouncementsCompleted >= 1, because: "first announcement done");
        var before = DateTimeOffset.UtcNow;
        var done = h.Bridge.HomeAssistant.AnnouncementsCompleted;

        await h.HomeAssistant.PublishAsync("homeassistant/status", "online");

        await Eventually.TrueAsync(() => h.Bridge.HomeAssistant.AnnouncementsCompleted > done, because: "re-announcement finished");
        var ids = h.Bridge.Registry.List().Select(d => d.Id).Append("obkhub").ToList();
        await Eventually.TrueAsync(() => ids.All(id => h.HomeAssistant.On($"homeassistant/device/{id}/config").Any(m => m.At >= before && m.Payload.Length > 0)),
            because: "every plug and the hub re-announced after the birth message");
        // 5 plugs over a 500 ms window go out at 0, 100 ... 400 ms: the announcement itself lasts the window, not a burst
        // (config times seen by the probe also include republishes after definition changes, so they are not used here)
        Assert.True(h.Bridge.HomeAssistant.LastAnnouncementDuration >= TimeSpan.FromMilliseconds(350),
            $"announcements are spread over the window, not a burst (took {h.Bridge.HomeAssistant.LastAnnouncementDuration.TotalMilliseconds:0} ms)");
        await Eventually.TrueAsync(() => h.HomeAssistant.On("homeassistant/status").Any(), because: "probe saw its own birth");
        h.AssertAllDiscoveryValid();
    }

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task Forgetting_a_device_removes_its_retained_config(BrokerKind kind)
    {
        await using var h = await BridgeHarness.StartAsync(kind, plugs: 2);
        await h.AllAdoptedAsync(2);
        var id = h.DeviceOf(h.Fleet[0]).Id;
        var topic = $"homeassistant/device/{id}/config";
        await Eventually.TrueAsync(() => h.HomeAssistant.On(topic).Any(m => m.Payload.Length > 0), because: "announced first");

        var forgotten = await h.Bridge.ForgetAsync(id, CancellationToken.None);

        Assert.NotNull(forgotten);
        await Eventually.TrueAsync(() => h.HomeAssistant.On(topic).LastOrDefault().Payload == "", because: "empty payload on the config topic");
        Assert.Null(h.Bridge.Registry.Find(id));
        Assert.NotNull(h.Store.Find(id)!.ForgottenAt); // kept only for the "seen but forgotten" list
        await using var late = await MqttProbe.ConnectAsync(h.Broker.Host, h.Broker.Port, "homeassistant/device/+/config");
        await Eventually.TrueAsync(() => late.Received.Count(m => m.Retain) >= 2, because: "retained configs of the other plug and the hub");
        Assert.DoesNotContain(late.Received, m => m.Topic == topic && m.Payload.Length > 0);
    }

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task Broker_restart_the_bridge_reconnects_and_devices_are_available_again_within_10_s(BrokerKind kind)
    {
        await using var h = await BridgeHarness.StartAsync(kind, plugs: 3);
        await h.AllAdoptedAsync(3);

        await h.Broker.StopAsync();
        await Eventually.TrueAsync(() => !h.Bridge.IsConnected, because: "the bridge noticed the broker went away");
        await h.Broker.StartAgainAsync();
        var restarted = DateTimeOffset.UtcNow;

        await Eventually.TrueAsync(() => h.Bridge.IsConnected && h.Fleet.ConnectedCount == 3, TimeSpan.FromSeconds(10), "bridge and plugs reconnected");
        var id = h.DeviceOf(h.Fleet[2]).Id;
        var result = await h.Bridge.Commands.SetChannelAsync(id, 1, ChannelAction.Toggle);
        Assert.Equal(CommandStatus.Ok, result.Status);
        Assert.True(DateTimeOffset.UtcNow - restarted < TimeSpan.FromSeconds(10), "available again within 10 s");
        Assert.All(h.Bridge.Registry.List(), d => Assert.True(d.Online));
    }

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task A_thousand_garbage_payloads_are_ignored_and_the_registry_stays_intact(BrokerKind kind)
    {
        await using var h = await BridgeHarness.StartAsync(kind, plugs: 2);
        await h.AllAdoptedAsync(2);
        var plug = h.Fleet[0];
        var id = h.DeviceOf(plug).Id;
        await h.Bridge.Commands.SetChannelAsync(id, 1, ChannelAction.On);
        var before = h.Bridge.Registry.List();
        var random = new Random(4);
        var c = plug.ClientTopic;
        string[] topics = [$"{c}/1/get", $"{c}/voltage/get", $"{c}/mac", $"{c}/ip", $"{c}/build", $"{c}/connected", $"stat/{c}/RESULT", $"stat/{c}/STATUS5", $"{c}/rssi", $"{c}/99/get"];
        await using var attacker = await MqttProbe.ConnectAsync(h.Broker.Host, h.Broker.Port);

        for (var i = 0; i < 1000; i++)
        {
            var bytes = new byte[random.Next(1, 64)];
            random.NextBytes(bytes);
            var payload = "x" + Convert.ToBase64String(bytes) + (i % 3 == 0 ? "{\"POWER" : "");
            await attacker.PublishAsync(topics[i % topics.Length], payload);
        }
        await attacker.PublishAsync($"{c}/uptime", "12345"); // a marker after the garbage

        await Eventually.TrueAsync(() => h.DeviceOf(plug).UptimeSeconds == 12345, because: "the marker after the garbage was processed");
        Assert.True(h.Bridge.Registry.GarbageCount >= 900, $"garbage counted ({h.Bridge.Registry.GarbageCount})");
        var after = h.Bridge.Registry.List();
        Assert.Equal(before.Select(d => (d.Id, d.Record.Mac, d.Record.Ip, d.Record.ClientTopic)), after.Select(d => (d.Id, d.Record.Mac, d.Record.Ip, d.Record.ClientTopic)));
        Assert.Equal(1, h.DeviceOf(plug).Channels[1]);
        Assert.True(h.DeviceOf(plug).Online);
        var ok = await h.Bridge.Commands.SetChannelAsync(id, 1, ChannelAction.Off);
        Assert.Equal(CommandStatus.Ok, ok.Status);
    }

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task Renaming_a_device_updates_its_entities_with_the_same_unique_ids(BrokerKind kind)
    {
        await using var h = await BridgeHarness.StartAsync(kind, plugs: 1);
        await h.AllAdoptedAsync(1);
        var id = h.DeviceOf(h.Fleet[0]).Id;
        var topic = $"homeassistant/device/{id}/config";
        await Eventually.TrueAsync(() => h.HomeAssistant.On(topic).Any(m => m.Payload.Contains("\"energy\"", StringComparison.Ordinal) && m.Payload.Contains("relay_1", StringComparison.Ordinal)), because: "announced with its meter and relay");
        var first = JsonNode.Parse(h.HomeAssistant.On(topic).Last().Payload)!;

        await h.Bridge.UpdateAsync(id, "Kitchen kettle", "Kitchen", CancellationToken.None);

        await Eventually.TrueAsync(() => h.HomeAssistant.On(topic).Any(m => m.Payload.Contains("Kitchen kettle", StringComparison.Ordinal)), because: "re-announced with the new name");
        var second = JsonNode.Parse(h.HomeAssistant.On(topic).Last().Payload)!;
        Assert.Equal("Kitchen", second["dev"]!["sa"]!.GetValue<string>());
        Assert.Equal(UniqueIds(first), UniqueIds(second));
        Assert.Equal("Kitchen kettle", h.Store.Find(id)!.FriendlyName);
        h.AssertAllDiscoveryValid();

        static List<string> UniqueIds(JsonNode n) => n["cmps"]!.AsObject().Select(kv => kv.Value!["uniq_id"]!.GetValue<string>()).Order().ToList();
    }

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task OpenBeken_own_discovery_is_migrated_keeping_its_unique_ids(BrokerKind kind)
    {
        var fleet = BridgeHarness.FastPlugs(s => s with { Flags = s.Flags | (1UL << 27) });
        await using var h = await BridgeHarness.StartAsync(kind, plugs: 1, fleet);
        var plug = h.Fleet[0];
        var legacy = plug.OwnDiscoveryMessages();
        var relayTopic = legacy.Single(m => m.Topic.Contains("/switch/", StringComparison.Ordinal)).Topic;
        await Eventually.TrueAsync(() => h.HomeAssistant.On(relayTopic).Any(m => m.Payload.Length > 0), because: "the firmware announced itself (flag 27)");

        await h.AllAdoptedAsync(1);
        var id = h.DeviceOf(plug).Id;

        await Eventually.TrueAsync(() => legacy.All(m => h.HomeAssistant.On(m.Topic).LastOrDefault().Payload == ""), TimeSpan.FromSeconds(15), "old per-entity configs cleared");
        Assert.All(legacy, m => Assert.Contains(h.HomeAssistant.On(m.Topic), x => x.Payload.Contains("migrate_discovery", StringComparison.Ordinal)));
        var device = JsonNode.Parse(h.HomeAssistant.On($"homeassistant/device/{id}/config").Last().Payload)!;
        Assert.Equal($"{plug.FriendlyName}_relay_1", device["cmps"]!["relay_1"]!["uniq_id"]!.GetValue<string>());
        Assert.Equal($"{plug.FriendlyName}_sensor_0", device["cmps"]!["voltage"]!["uniq_id"]!.GetValue<string>());
        await Eventually.TrueAsync(() => (plug.Flags & (1UL << 27)) == 0, because: "the plug was told to stop announcing itself");
        h.AssertAllDiscoveryValid();
    }
}
