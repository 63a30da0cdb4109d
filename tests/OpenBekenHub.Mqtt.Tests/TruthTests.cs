using System.Diagnostics;
using OpenBekenHub.Mqtt.Commands;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.Options;
using OpenBekenHub.Simulators.Plugs;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Mqtt.Tests;

/// <summary>
/// "The bridge tells the truth" (issue 10), against a real Mosquitto that logs which client published what: state and
/// availability come only from the plugs; the hub never speaks on a plug's topics.
/// </summary>
public sealed class TruthTests
{
    private static Task<BridgeHarness> StartAsync(int plugs, PlugFleetOptions? fleet = null, BridgeOptions? bridge = null) =>
        BridgeHarness.StartAsync(BrokerKind.Mosquitto, plugs, fleet,
            new HomeAssistantOptions { JitterWindow = TimeSpan.FromSeconds(1), HubBaseUrl = "http://hub.local:8080" }, bridge, logPublishes: true);

    private static string AvailabilityTopic(string id) => $"obkhub/devices/{id}/availability";

    private static string? LastRetained(MqttProbe probe, string topic) => probe.On(topic).Select(m => m.Payload).LastOrDefault();

    [Fact]
    public async Task The_hub_never_publishes_on_a_plug_owned_topic_through_adoption_birth_commands_hub_restart_and_broker_restart()
    {
        await using var h = await StartAsync(plugs: 3);
        await h.AllAdoptedAsync(3);
        var id = h.DeviceOf(h.Fleet[0]).Id;

        await h.HomeAssistant.PublishAsync("homeassistant/status", "online");
        var done = h.Bridge.HomeAssistant.AnnouncementsCompleted;
        await Eventually.TrueAsync(() => h.Bridge.HomeAssistant.AnnouncementsCompleted > done, because: "re-announced after the HA birth");
        Assert.Equal(CommandStatus.Ok, (await h.Bridge.Commands.SetChannelAsync(id, 1, ChannelAction.Toggle)).Status);
        Assert.Equal(CommandStatus.Ok, (await h.Bridge.Commands.ExecuteAsync(id, "STATUS 5")).Status);
        Assert.Equal(CommandStatus.Ok, (await h.Bridge.Commands.ExecuteAsync(id, "POWER TOGGLE")).Status);
        await h.RestartHubAsync();
        await h.AllAdoptedAsync(3);
        await h.Broker.StopAsync();
        await Eventually.TrueAsync(() => !h.Bridge.IsConnected, because: "the hub noticed the broker is gone");
        await h.Broker.StartAgainAsync();
        await h.AllAdoptedAsync(3);
        await Eventually.TrueAsync(() => h.Bridge.Availability.WindowsClosed >= 1, because: "the answer window after the reconnect closed");

        var checkedPublishes = h.AssertNoHubPublishOnPlugTopics();
        Assert.True(checkedPublishes > 20, $"the broker's log named the hub's own publishes ({checkedPublishes})");
        Assert.Contains(h.Broker.Publishes(), p => p.ClientId == "obkhub" && p.Topic == $"cmnd/{h.Fleet[0].ClientTopic}/publishChannels");
        Assert.Contains(h.Broker.Publishes(), p => p.ClientId == h.Fleet[0].ClientTopic && p.Topic == $"{h.Fleet[0].ClientTopic}/1/get");
    }

    [Fact]
    public async Task Plugs_taken_offline_stay_offline_after_a_home_assistant_birth()
    {
        await using var h = await StartAsync(plugs: 3);
        await h.AllAdoptedAsync(3);
        var dead = h.Fleet.Plugs.Take(2).ToList();
        var live = h.Fleet[2];
        foreach (var plug in dead)
        {
            await plug.PowerOffAsync();
        }
        await Eventually.TrueAsync(() => dead.All(p => h.DeviceOf(p).Availability == Availability.Offline), because: "their LWTs arrived");
        var before = DateTimeOffset.UtcNow;
        var done = h.Bridge.HomeAssistant.AnnouncementsCompleted;
        int LiveStates() => h.Broker.Publishes().Count(p => p.ClientId == live.ClientTopic && p.Topic == $"{live.ClientTopic}/1/get");
        var statesBefore = LiveStates();

        await h.HomeAssistant.PublishAsync("homeassistant/status", "online");

        await Eventually.TrueAsync(() => h.Bridge.HomeAssistant.AnnouncementsCompleted > done, TimeSpan.FromSeconds(30), "re-announced after the birth");
        // the live plug restated its relay after the birth (its own full-state broadcast, openbeken.md §1.5; the hub's
        // publishChannels after the re-announce may add another, but only when the config changed). With the re-announce
        // done and the plug heard, everything the birth causes has happened.
        await Eventually.TrueAsync(() => LiveStates() >= statesBefore + 1, TimeSpan.FromSeconds(30), "the live plug re-broadcast its state");
        Assert.All(dead, p => Assert.Equal(Availability.Offline, h.DeviceOf(p).Availability));
        Assert.All(dead, p => Assert.Equal("offline", LastRetained(h.HomeAssistant, AvailabilityTopic(h.DeviceOf(p).Id))));
        Assert.Equal(Availability.Online, h.DeviceOf(live).Availability);
        Assert.Equal("online", LastRetained(h.HomeAssistant, AvailabilityTopic(h.DeviceOf(live).Id)));
        Assert.DoesNotContain(h.Broker.Publishes(), p => p.ClientId == "obkhub" && dead.Any(d => p.Topic.StartsWith(d.ClientTopic + "/", StringComparison.Ordinal)));
        Assert.Contains(h.HomeAssistant.On("homeassistant/status"), m => m.At >= before);
        h.AssertNoHubPublishOnPlugTopics();
        h.AssertAllDiscoveryValid();
    }

    [Fact]
    public async Task After_a_hub_restart_with_relays_on_nothing_publishes_off_and_the_api_shows_on_or_unknown()
    {
        await using var h = await StartAsync(plugs: 3);
        await h.AllAdoptedAsync(3);
        foreach (var plug in h.Fleet.Plugs)
        {
            Assert.Equal(CommandStatus.Ok, (await h.Bridge.Commands.SetChannelAsync(h.DeviceOf(plug).Id, 1, ChannelAction.On)).Status);
        }
        await using var watcher = await MqttProbe.ConnectAsync(h.Broker.Host, h.Broker.Port, "+/1/get");
        var ids = h.Fleet.Plugs.Select(p => h.DeviceOf(p).Id).ToList();

        await h.Bridge.DisposeAsync();
        var restart = h.RestartHubAsync();
        var seen = new List<string>();
        // from the first moment the new hub answers, each relay is ON or unknown, never OFF
        while (!restart.IsCompleted || h.Bridge.Registry.List().Any(d => d.Availability != Availability.Online || !d.Channels.ContainsKey(1)))
        {
            if (restart.IsCompleted)
            {
                foreach (var d in h.Bridge.Registry.List())
                {
                    Assert.True(!d.Channels.TryGetValue(1, out var v) || v == 1, $"{d.Id} shows channel 1 = {v} while the relay is on");
                    seen.Add(d.Channels.TryGetValue(1, out var x) ? x.ToString(System.Globalization.CultureInfo.InvariantCulture) : "unknown");
                }
            }
            Assert.True(seen.Count < 100_000, "plugs confirmed within the test's bound");
            await Task.Delay(5);
        }
        await restart;

        Assert.Contains("unknown", seen); // stored devices start unknown, not OFF
        Assert.All(ids, id => Assert.Equal(1, h.Bridge.Registry.Find(id)!.Channels[1]));
        Assert.All(h.Fleet.Plugs, p => Assert.True(p.IsRelayOn()));
        Assert.DoesNotContain(watcher.Received, m => m.Payload == "0");
        h.AssertNoHubPublishOnPlugTopics();
    }

    [Fact]
    public async Task After_a_broker_restart_without_persistence_configs_are_retained_again_and_live_plugs_online_within_the_window()
    {
        await using var h = await StartAsync(plugs: 4);
        await h.AllAdoptedAsync(4);
        var dead = h.Fleet[3];
        var deadId = h.DeviceOf(dead).Id;
        var ids = h.Bridge.Registry.List().Select(d => d.Id).ToList();

        await h.Broker.StopAsync();
        await Eventually.TrueAsync(() => h.Bridge.Registry.List().All(d => d.Availability == Availability.Unknown), because: "broker down means unknown");
        Assert.False(h.Bridge.IsConnected);
        await dead.PowerOffAsync(); // dies while the broker is down: its will never fires
        await h.Broker.StartAgainAsync();
        var restarted = Stopwatch.StartNew();

        var bound = TimeSpan.FromSeconds(1) + h.Bridge.Context.Options.AvailabilityWindow + TimeSpan.FromSeconds(5);
        await Eventually.TrueAsync(() => h.Fleet.Plugs.Take(3).All(p => h.DeviceOf(p).Availability == Availability.Online), bound, "live plugs online again");
        var liveAfter = restarted.Elapsed;
        await Eventually.TrueAsync(() => h.Bridge.Registry.Find(deadId)!.Availability == Availability.Offline, bound, "the dead plug is offline after the window");
        await using var late = await MqttProbe.ConnectAsync(h.Broker.Host, h.Broker.Port, "homeassistant/device/+/config", "obkhub/devices/+/availability");
        await Eventually.TrueAsync(() => ids.Append("obkhub").All(id => late.On($"homeassistant/device/{id}/config").Any(m => m.Retain && m.Payload.Length > 0)),
            because: "every config is retained on the fresh broker again");
        await Eventually.TrueAsync(() => late.On(AvailabilityTopic(deadId)).Any(m => m.Retain && m.Payload == "offline"), because: "HA learns the dead plug is offline");
        Assert.All(ids.Where(id => id != deadId), id => Assert.Contains(late.On(AvailabilityTopic(id)), m => m.Retain && m.Payload == "online"));
        Assert.True(liveAfter < h.Bridge.Context.Options.AvailabilityWindow, $"live plugs back within the window ({liveAfter.TotalSeconds:0.0} s)");
        h.AssertNoHubPublishOnPlugTopics();
    }

    [Fact]
    public async Task A_forgotten_plug_stays_forgotten_across_a_hub_restart_until_it_reconnects_itself()
    {
        await using var h = await StartAsync(plugs: 2);
        await h.AllAdoptedAsync(2);
        var plug = h.Fleet[0];
        var id = h.DeviceOf(plug).Id;
        await h.Bridge.ForgetAsync(id, CancellationToken.None);
        await h.Bridge.DisposeAsync(); // the old hub is gone; what it had queued before the forget is not the new one's doing
        var mark = h.Broker.Publishes().Count;

        await h.RestartHubAsync();
        await Eventually.TrueAsync(() => h.Bridge.Registry.FindByTopic(h.Fleet[1].ClientTopic) is { Online: true }, because: "the other plug answered the new hub");
        await Eventually.TrueAsync(() => h.Bridge.Availability.WindowsClosed >= 1, because: "the answer window closed");
        Assert.Null(h.Bridge.Registry.Find(id));
        // the hub's own requests never re-adopt it: it does not even ask
        var asked = h.Broker.Publishes().Skip(mark).Where(p => p.ClientId == "obkhub" && p.Topic.StartsWith($"cmnd/{plug.ClientTopic}/", StringComparison.Ordinal)).ToList();
        Assert.True(asked.Count == 0, "asked the forgotten plug: " + string.Join(", ", asked));

        await plug.RestartAsync(); // the plug itself connects again
        await Eventually.TrueAsync(() => h.Bridge.Registry.Find(id) is { Online: true }, because: "a live connected online brings it back");
    }

    [Fact]
    public async Task Commands_to_an_offline_plug_fail_fast_with_the_reason()
    {
        await using var h = await StartAsync(plugs: 2);
        await h.AllAdoptedAsync(2);
        var id = h.DeviceOf(h.Fleet[0]).Id;
        await h.Fleet[0].PowerOffAsync();
        await Eventually.TrueAsync(() => h.Bridge.Registry.Find(id)!.Availability == Availability.Offline, because: "its LWT arrived");

        var sw = Stopwatch.StartNew();
        var results = new[]
        {
            await h.Bridge.Commands.SetChannelAsync(id, 1, ChannelAction.Off),
            await h.Bridge.Commands.SetChannelAsync(id, 1, ChannelAction.Toggle),
            await h.Bridge.Commands.RestartAsync(id),
            await h.Bridge.Commands.ExecuteAsync(id, "STATUS 5"),
        };

        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(1), $"answered at once ({sw.Elapsed.TotalMilliseconds:0} ms)");
        Assert.All(results, r => Assert.Equal((CommandStatus.Offline, 409), (r.Status, r.HttpStatus)));
        Assert.All(results, r => Assert.Contains("offline", r.Error, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_401_from_the_plugs_web_server_is_an_error_and_the_password_goes_only_to_its_own_address()
    {
        var port = FreePort.Next();
        var fleet = BridgeHarness.FastPlugs(s => s with { HttpPort = port, Ip = "127.0.0.1", WebPassword = "secret-pw" });
        await using var h = await StartAsync(plugs: 1, fleet, new BridgeOptions { CommandTimeout = TimeSpan.FromSeconds(5), DeviceHttpPort = port, DeviceWebPassword = "wrong-pw" });
        await h.AllAdoptedAsync(1);
        var id = h.DeviceOf(h.Fleet[0]).Id;

        var result = await h.Bridge.Commands.ExecuteAsync(id, "Flags");

        Assert.Equal(CommandStatus.DeviceError, result.Status);
        Assert.Equal(502, result.HttpStatus);
        Assert.Contains("401", result.Error, StringComparison.Ordinal);
        Assert.False(result.Succeeded);
    }

    [Fact]
    public async Task A_forged_legacy_discovery_config_cannot_lend_one_plugs_unique_id_to_another()
    {
        var fleet = BridgeHarness.FastPlugs(s => s with { Flags = s.Flags | (1UL << 27) });
        await using var h = await StartAsync(plugs: 2, fleet);
        var victim = h.Fleet[0];
        var relay = victim.OwnDiscoveryMessages().Single(m => m.Topic.Contains("/switch/", StringComparison.Ordinal));
        var stolenId = relay.Topic.Split('/')[2];
        // the same unique id, claimed for the other plug's topic
        var forged = relay.Payload.Replace($"\"~\":\"{victim.ClientTopic}\"", $"\"~\":\"{h.Fleet[1].ClientTopic}\"", StringComparison.Ordinal);
        Assert.NotEqual(relay.Payload, forged);
        await using var attacker = await MqttProbe.ConnectAsync(h.Broker.Host, h.Broker.Port);
        await attacker.PublishAsync(relay.Topic, forged, retain: true);

        await h.AllAdoptedAsync(2);
        await Eventually.TrueAsync(() => h.Fleet.Plugs.All(p => (p.Flags & (1UL << 27)) == 0), TimeSpan.FromSeconds(15), "both migrated");

        var other = h.DeviceOf(h.Fleet[1]);
        Assert.DoesNotContain(stolenId, other.Record.LegacyUniqueIds.Values);
        await Eventually.TrueAsync(() => h.HomeAssistant.On($"homeassistant/device/{other.Id}/config").Any(m => m.Payload.Length > 0), because: "announced");
        Assert.DoesNotContain(h.HomeAssistant.On($"homeassistant/device/{other.Id}/config"), m => m.Payload.Contains(stolenId, StringComparison.Ordinal));
        h.AssertNoHubPublishOnPlugTopics();
    }
}
