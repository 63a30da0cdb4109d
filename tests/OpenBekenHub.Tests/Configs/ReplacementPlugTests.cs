using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OpenBekenHub.Configs;
using OpenBekenHub.Mqtt.HomeAssistant;
using OpenBekenHub.Mqtt.State;
using OpenBekenHub.Simulators.Plugs;
using OpenBekenHub.Store;
using OpenBekenHub.TestKit;
using Xunit.Abstractions;

namespace OpenBekenHub.Tests.Configs;

/// <summary>
/// Restore onto a replacement plug: Home Assistant sees the same device continue. The replacement is announced on the
/// replaced plug's discovery topic with its unique ids, device ids and default entity ids but its own topics; its own
/// earlier config is removed; the replaced plug is never announced again — across HA births and hub restarts.
/// </summary>
public sealed class ReplacementPlugTests(ITestOutputHelper output)
{
    private const string MacA = "02:0b:00:00:0a:01";
    private const string MacB = "02:0b:00:00:0b:02";
    private const string FastAnnounce = "--HomeAssistant:JitterWindow=00:00:01";

    private static string TopicOf(string deviceId) => $"homeassistant/device/{deviceId}/config";

    private static JsonObject Parse(string payload) => JsonNode.Parse(payload)!.AsObject();

    private static SortedSet<string> UniqueIds(string payload) =>
        new(Parse(payload)["cmps"]!.AsObject().Select(c => c.Value!["uniq_id"]!.GetValue<string>()), StringComparer.Ordinal);

    /// <summary>True when <paramref name="payload"/> is <paramref name="deviceIdA"/>'s HA device driven through <paramref name="plugTopic"/>.</summary>
    private static bool Announces(string? payload, string deviceIdA, string plugTopic) =>
        !string.IsNullOrEmpty(payload) && Parse(payload)["dev"]?["ids"]?[0]?.GetValue<string>() == deviceIdA
        && Parse(payload)["cmps"]?["relay_1"]?["cmd_t"]?.GetValue<string>() == $"{plugTopic}/1/set"; // null-safe: a plug's first config may have no relay yet

    private static void AssertCarriesOn(string payload, string idA, string idB, string topicB)
    {
        Assert.Empty(DiscoveryValidator.Validate("homeassistant", TopicOf(idA), payload));
        var config = Parse(payload);
        Assert.Equal(idA, config["dev"]!["ids"]!.AsArray().Single()!.GetValue<string>());
        foreach (var (key, component) in config["cmps"]!.AsObject())
        {
            Assert.Equal($"{idA}_{key}", component!["uniq_id"]!.GetValue<string>());
            Assert.EndsWith($".{idA}_{key}", component["default_entity_id"]!.GetValue<string>(), StringComparison.Ordinal);
        }
        var relay = config["cmps"]!["relay_1"]!;
        Assert.Equal($"{topicB}/1/set", relay["cmd_t"]!.GetValue<string>());
        Assert.Equal($"{topicB}/1/get", relay["stat_t"]!.GetValue<string>());
        Assert.Equal([$"{topicB}/connected", $"obkhub/devices/{idB}/availability"], config["avty"]!.AsArray().Select(a => a!["t"]!.GetValue<string>()));
        Assert.Equal($"obkhub/devices/{idB}/firmware", config["cmps"]!["firmware"]!["stat_t"]!.GetValue<string>());
    }

    /// <summary>No config HA holds (last payload per topic) drives the replaced plug.</summary>
    private static void AssertNothingAnnouncesThrough(MqttProbe ha, string topicA) =>
        Assert.DoesNotContain(ha.Received.GroupBy(m => m.Topic).Select(g => g.Last().Payload), p => p.Contains($"\"{topicA}/", StringComparison.Ordinal));

    private static async Task BirthAsync(ConfigHarness h, MqttProbe ha)
    {
        var extension = h.Hub.Service<HomeAssistantExtension>();
        var done = extension.AnnouncementsCompleted;
        await ha.PublishAsync("homeassistant/status", "online");
        await Eventually.TrueAsync(() => extension.AnnouncementsCompleted > done, TimeSpan.FromSeconds(20), "the re-announcement after HA's birth finished");
    }

    [Fact]
    public async Task A_replacement_plug_carries_on_the_replaced_plugs_Home_Assistant_device_across_births_and_hub_restarts()
    {
        using var data = new TempDir("cfg-replace");
        string idA, idB, topicA, topicB;
        SortedSet<string> uniqueIdsOfA;
        await using (var h = await ConfigHarness.StartAsync(data, null, FastAnnounce))
        {
            await using var ha = await HomeAssistantProbe.ConnectAsync(h.Hub);
            var (a, aId) = await h.AddPlugAsync(MacA, "127.0.0.2");
            (idA, topicA) = (aId, a.ClientTopic);
            a.WriteLfsFile("autoexec.bat", Encoding.UTF8.GetBytes("startDriver NTP\n"));
            a.Execute("ShortName Kitchen_Kettle");
            var registry = h.Hub.Service<DeviceStateStore>();
            await registry.UpdateAsync(idA, "Kettle", "Kitchen", CancellationToken.None);
            Assert.Equal("created", (await h.BackupAsync(idA))[0]!["outcome"]!.GetValue<string>());

            var (b, bId) = await h.AddPlugAsync(MacB, "127.0.0.3");
            (idB, topicB) = (bId, b.ClientTopic);
            await Eventually.TrueAsync(() => Announces(ha.Last(TopicOf(idA)), idA, topicA) && Announces(ha.Last(TopicOf(idB)), idB, topicB),
                TimeSpan.FromSeconds(20), "both plugs announced as themselves");
            uniqueIdsOfA = UniqueIds(ha.Last(TopicOf(idA))!);

            var refused = await h.RestoreAsync(idA, 1, target: idB);
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode); // the original is still online: two plugs would claim one HA device
            Assert.Contains("still online", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            await a.PowerOffAsync(); // the broken plug leaves
            await Eventually.TrueAsync(() => registry.Find(idA)?.Online == false, TimeSpan.FromSeconds(20), "the original plug is offline");
            var restore = await h.RestoreAsync(idA, 1, target: idB, restart: false);
            var restored = DateTimeOffset.UtcNow;
            Assert.True(restore.IsSuccessStatusCode, await restore.Content.ReadAsStringAsync());
            Assert.Equal("Kitchen_Kettle", b.ShortName);
            Assert.Equal("startDriver NTP\n", Encoding.UTF8.GetString(b.LfsFiles["autoexec.bat"]));
            Assert.Equal(Enumerable.Range(0, SimulatedPlug.GpioCount).Select(a.GetPin), Enumerable.Range(0, SimulatedPlug.GpioCount).Select(b.GetPin));
            Assert.Equal(("Kettle", "Kitchen"), (registry.Find(idB)!.Record.FriendlyName, registry.Find(idB)!.Record.Area));

            // at once (no birth in between): A's topic carries B, B's own config is gone
            await Eventually.TrueAsync(() => Announces(ha.Last(TopicOf(idA)), idA, topicB) && ha.Last(TopicOf(idB)) == "",
                TimeSpan.FromSeconds(10), "A's HA device announced with B's topics and B's own config removed");
            var announced = ha.Received.First(m => m.Topic == TopicOf(idA) && Announces(m.Payload, idA, topicB)).At;
            output.WriteLine($"replacement announced {(announced - restored).TotalMilliseconds:0} ms after the restore's reply (negative: before it)");
            var config = ha.Last(TopicOf(idA))!;
            AssertCarriesOn(config, idA, idB, topicB);
            Assert.Equal(uniqueIdsOfA, UniqueIds(config)); // HA updates the same entities in place
            Assert.Equal("Kettle", Parse(config)["dev"]!["name"]!.GetValue<string>());

            // HA's command topic from that config switches B
            Assert.False(b.IsRelayOn());
            await ha.PublishAsync(Parse(config)["cmps"]!["relay_1"]!["cmd_t"]!.GetValue<string>(), "1");
            await Eventually.TrueAsync(() => b.IsRelayOn(), TimeSpan.FromSeconds(10), "B switched on from HA's command topic");

            // A comes back: it stays in the hub, as replaced, and is never announced (also not at HA's birth)
            await a.StartAsync();
            await Eventually.TrueAsync(() => registry.Find(idA)?.Online == true, TimeSpan.FromSeconds(20), "A back online");
            await BirthAsync(h, ha);
            Assert.NotNull(registry.Find(idA));
            AssertCarriesOn(ha.Last(TopicOf(idA))!, idA, idB, topicB);
            AssertNothingAnnouncesThrough(ha, topicA);
            Assert.NotEqual("", ha.Last(TopicOf(idA)));

            var aliases = h.Hub.Service<UniqueIdAliasTable>();
            Assert.Equal((idA, idB, (string?)null), (aliases.UniqueIdBase(idB), aliases.ReplacedBy(idA), aliases.ReplacedBy(idB)));

            // forgetting the dead plug does not take its HA device away from the replacement that carries it
            var firmwareA = $"obkhub/devices/{idA}/firmware";
            var cleared = ha.Received.Count(m => m.Topic == firmwareA && m.Payload.Length == 0);
            await h.Hub.Service<OpenBekenHub.Mqtt.OpenBekenBridge>().ForgetAsync(idA, CancellationToken.None);
            await Eventually.TrueAsync(() => ha.Received.Count(m => m.Topic == firmwareA && m.Payload.Length == 0) > cleared,
                TimeSpan.FromSeconds(10), "the hub removed what was A's own (its firmware state), after deciding about its discovery topic");
            AssertCarriesOn(ha.Last(TopicOf(idA))!, idA, idB, topicB);
        }

        // after a hub restart (the embedded broker's retained configs are gone too) the same holds
        await using var restarted = await ConfigHarness.StartAsync(data, null, FastAnnounce);
        await using var ha2 = await HomeAssistantProbe.ConnectAsync(restarted.Hub);
        await restarted.AddPlugAsync(MacB, "127.0.0.3");
        await restarted.AddPlugAsync(MacA, "127.0.0.2"); // the forgotten original connects again: back in the hub, still replaced
        await Eventually.TrueAsync(() => Announces(ha2.Last(TopicOf(idA)), idA, topicB), TimeSpan.FromSeconds(20), "A's HA device announced with B's topics after the restart");
        await BirthAsync(restarted, ha2);
        AssertCarriesOn(ha2.Last(TopicOf(idA))!, idA, idB, topicB);
        Assert.True(string.IsNullOrEmpty(ha2.Last(TopicOf(idB))), "B is not announced as itself");
        AssertNothingAnnouncesThrough(ha2, topicA);
        var listed = JsonNode.Parse(await restarted.Api.GetStringAsync("/api/configs/aliases"))!.AsArray();
        Assert.Equal(idB, listed.Single()!["deviceId"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_chain_resolves_to_the_first_plug_with_its_legacy_unique_ids_and_the_newest_replacement_carries_it()
    {
        using var data = new TempDir("alias-chain");
        var hub = new HubStore(Path.Combine(data.Path, "obkhub.db"));
        await hub.MigrateAsync();
        var table = new UniqueIdAliasTable(new ConfigStore(hub), TimeProvider.System);
        var replaced = new List<string>();
        table.Replaced += replaced.Add;
        var legacyA = new Dictionary<string, string> { ["relay_1"] = "Kettle_relay_1" };
        var a = new ConfigDevice("obk_a", "A", null, null, null, false, null, null) { LegacyUniqueIds = legacyA };
        var b = new ConfigDevice("obk_b", "B", null, null, null, false, null, null) { LegacyUniqueIds = new Dictionary<string, string> { ["relay_1"] = "B_own" } };
        await table.LoadAsync(CancellationToken.None);
        Assert.Null(table.Of("obk_a"));

        await table.SetAsync("obk_b", a, CancellationToken.None);
        await table.SetAsync("obk_c", b, CancellationToken.None);

        Assert.Equal(["obk_b", "obk_c"], replaced);
        var reloaded = new UniqueIdAliasTable(new ConfigStore(hub), TimeProvider.System);
        await reloaded.LoadAsync(CancellationToken.None);
        foreach (var t in new[] { table, reloaded })
        {
            var c = t.Of("obk_c")!;
            Assert.Equal(("obk_a", (string?)null), (c.BaseId, c.ReplacedBy));
            Assert.Equal(legacyA, c.LegacyUniqueIds); // A's, not B's own
            Assert.Equal("obk_c", t.Of("obk_a")!.ReplacedBy);
            Assert.Equal("obk_c", t.Of("obk_b")!.ReplacedBy);
            Assert.Equal("obk_b", t.Replaces("obk_c"));
        }
    }
}
