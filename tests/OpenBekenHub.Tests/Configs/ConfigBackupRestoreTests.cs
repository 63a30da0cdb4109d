using OpenBekenHub.Mqtt.State;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using OpenBekenHub.Configs;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Simulators.Plugs;
using OpenBekenHub.TestKit;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Configs;

public sealed class ConfigBackupRestoreTests
{
    private const string MacA = "02:0b:00:00:0a:01";
    private const string MacB = "02:0b:00:00:0b:02";

    private static async Task ChangePlugAsync(SimulatedPlug plug, int port, string ip)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{ip}:{port}") };
        var roles = Enumerable.Range(0, SimulatedPlug.GpioCount).Select(i => plug.GetPin(i).Role).ToArray();
        var channels = Enumerable.Range(0, SimulatedPlug.GpioCount).Select(i => plug.GetPin(i).Channel).ToArray();
        roles[26] = 0; channels[26] = 0;   // the relay pin cleared
        roles[6] = 2; channels[6] = 3;     // a Rel_n on P6 channel 3
        (await http.PostAsync("/api/pins", new StringContent(new JsonObject
        {
            ["roles"] = new JsonArray([.. roles.Select(r => (JsonNode?)r)]),
            ["channels"] = new JsonArray([.. channels.Select(c => (JsonNode?)c)]),
        }.ToJsonString()))).EnsureSuccessStatusCode();
        (await http.PostAsync("/api/lfs/autoexec.bat", new StringContent("startDriver NTP\nSetChannel 3 1\n"))).EnsureSuccessStatusCode();
        (await http.PostAsync("/api/lfs/extra.txt", new StringContent("left over"))).EnsureSuccessStatusCode();
        (await http.PostAsync("/api/cmnd", new StringContent("SetFlag 21 1"))).EnsureSuccessStatusCode();
        (await http.PostAsync("/api/cmnd", new StringContent("StartupCommand \"startDriver SSDP\""))).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task Backup_then_changing_pins_and_autoexec_then_restore_gives_the_plug_back_exactly_as_backed_up()
    {
        await using var h = await ConfigHarness.StartAsync();
        var (plug, id) = await h.AddPlugAsync(MacA, "127.0.0.2", s => s with { StartupCommand = "backlog startDriver NTP" });
        plug.WriteLfsFile("autoexec.bat", Encoding.UTF8.GetBytes("startDriver NTP\nntp_timeZoneOfs 1\n"));
        var pinsBefore = Enumerable.Range(0, SimulatedPlug.GpioCount).Select(plug.GetPin).ToList();
        var filesBefore = plug.LfsFiles.ToDictionary(f => f.Key, f => Convert.ToBase64String(f.Value));

        var first = await h.BackupAsync(id);
        Assert.Equal("created", first[0]!["outcome"]!.GetValue<string>());
        Assert.Equal(1, first[0]!["version"]!.GetValue<int>());
        Assert.Equal("unchanged", (await h.BackupAsync(id))[0]!["outcome"]!.GetValue<string>()); // nothing changed, no new version

        await ChangePlugAsync(plug, h.PlugPort, "127.0.0.2");
        Assert.Equal(2, (await h.BackupAsync(id))[0]!["version"]!.GetValue<int>());
        var diff = JsonNode.Parse(await h.Api.GetStringAsync($"/api/configs/{id}/diff?from=1&to=2"))!.AsArray();
        var items = diff.Select(c => c!["item"]!.GetValue<string>()).ToList();
        Assert.Contains("pin P26", items);
        Assert.Contains("pin P06", items);
        Assert.Contains("file autoexec.bat", items);
        Assert.Contains("file extra.txt", items);
        Assert.Contains("flag 21", items);
        Assert.Contains("startup command", items);
        Assert.Contains(diff.Single(c => c!["item"]!.GetValue<string>() == "file autoexec.bat")!["lines"]!.AsArray(),
            l => l!["mark"]!.GetValue<string>() == "+" && l["text"]!.GetValue<string>() == "SetChannel 3 1");

        var restore = await h.RestoreAsync(id, 1);
        var result = JsonNode.Parse(await restore.Content.ReadAsStringAsync())!;
        Assert.True(restore.StatusCode == HttpStatusCode.OK, result.ToJsonString());
        Assert.True(result["ok"]!.GetValue<bool>());
        Assert.True(result["restarted"]!.GetValue<bool>());

        Assert.Equal(pinsBefore, Enumerable.Range(0, SimulatedPlug.GpioCount).Select(plug.GetPin).ToList());
        Assert.Equal(filesBefore, plug.LfsFiles.ToDictionary(f => f.Key, f => Convert.ToBase64String(f.Value)));
        Assert.Equal("backlog startDriver NTP", plug.StartupCommand);
        Assert.Equal(1UL << 10, plug.Flags);
        Assert.Equal([1], plug.RelayChannels);

        // the plug restarted and came back; reading it again gives version 1's content
        var registry = h.Hub.Service<DeviceStateStore>();
        await Eventually.TrueAsync(() => plug.ConnectionCount >= 2 && registry.Find(id)?.Online == true, TimeSpan.FromSeconds(20), "the plug restarted after the restore");
        var again = await h.BackupAsync(id);
        var versions = JsonNode.Parse(await h.Api.GetStringAsync($"/api/configs/{id}/versions"))!.AsArray();
        Assert.Equal(versions.Single(v => v!["version"]!.GetValue<int>() == 1)!["contentSha256"]!.GetValue<string>(),
            versions.Single(v => v!["version"]!.GetValue<int>() == again[0]!["version"]!.GetValue<int>())!["contentSha256"]!.GetValue<string>());
    }

    [Fact]
    public async Task Restore_onto_a_replacement_plug_gives_it_the_config_and_name_and_keeps_the_HA_unique_ids()
    {
        using var data = new TempDir("cfg-replace");
        string idA, idB;
        await using (var h = await ConfigHarness.StartAsync(data))
        {
            var (a, aId) = await h.AddPlugAsync(MacA, "127.0.0.2");
            idA = aId;
            a.WriteLfsFile("autoexec.bat", Encoding.UTF8.GetBytes("startDriver NTP\n"));
            a.Execute("ShortName Kitchen_Kettle");
            var registry = h.Hub.Service<DeviceStateStore>();
            await registry.UpdateAsync(idA, "Kettle", "Kitchen", CancellationToken.None);
            Assert.Equal("created", (await h.BackupAsync(idA))[0]!["outcome"]!.GetValue<string>());

            var (b, bId) = await h.AddPlugAsync(MacB, "127.0.0.3");
            idB = bId;
            var refused = await h.RestoreAsync(idA, 1, target: idB);
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode); // the original is still online: two plugs would claim one HA device
            Assert.Contains("still online", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            await a.PowerOffAsync(); // the broken plug leaves
            await Eventually.TrueAsync(() => registry.Find(idA)?.Online == false, TimeSpan.FromSeconds(20), "the original plug is offline");
            var restore = await h.RestoreAsync(idA, 1, target: idB, restart: false);
            Assert.True(restore.IsSuccessStatusCode, await restore.Content.ReadAsStringAsync());

            Assert.Equal("Kitchen_Kettle", b.ShortName);
            Assert.Equal("startDriver NTP\n", Encoding.UTF8.GetString(b.LfsFiles["autoexec.bat"]));
            Assert.Equal(Enumerable.Range(0, SimulatedPlug.GpioCount).Select(a.GetPin), Enumerable.Range(0, SimulatedPlug.GpioCount).Select(b.GetPin));
            Assert.Equal(("Kettle", "Kitchen"), (registry.Find(idB)!.Record.FriendlyName, registry.Find(idB)!.Record.Area));

            var aliases = h.Hub.Service<IUniqueIdAliases>();
            Assert.Equal(idA, aliases.UniqueIdBase(idB));   // B's entities are announced as obk_<A's MAC>_relay_1 ...
            Assert.Equal(idB, aliases.ReplacedBy(idA));     // ... and A's own announcement gives way to B
            Assert.Equal(idA, aliases.UniqueIdBase(idA));
        }

        // the alias is stored: after a hub restart the replacement still uses the original's unique ids
        await using var restarted = await ConfigHarness.StartAsync(data);
        Assert.Equal(idA, restarted.Hub.Service<IUniqueIdAliases>().UniqueIdBase(idB));
        var listed = JsonNode.Parse(await restarted.Api.GetStringAsync("/api/configs/aliases"))!.AsArray();
        Assert.Equal(idB, listed.Single()!["deviceId"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_plug_with_a_web_password_needs_it_and_a_401_is_reported_as_the_failure_it_is()
    {
        await using (var h = await ConfigHarness.StartAsync())
        {
            var (_, id) = await h.AddPlugAsync(MacA, "127.0.0.2", s => s with { WebPassword = "plug-web-pw" });
            var result = (await h.BackupAsync(id))[0]!;
            Assert.Equal("failed", result["outcome"]!.GetValue<string>());
            Assert.Contains("web password", result["error"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Empty(JsonNode.Parse(await h.Api.GetStringAsync($"/api/configs/{id}/versions"))!.AsArray());
        }
        await using var withPassword = await ConfigHarness.StartAsync(plugWebPassword: "plug-web-pw");
        var (_, id2) = await withPassword.AddPlugAsync(MacA, "127.0.0.2", s => s with { WebPassword = "plug-web-pw" });
        Assert.Equal("created", (await withPassword.BackupAsync(id2))[0]!["outcome"]!.GetValue<string>());
    }

    [Fact]
    public void Only_private_and_loopback_IPv4_addresses_are_contacted()
    {
        var access = new PlugHttpAccess(80, null);
        foreach (var ip in new[] { "192.168.1.20", "10.1.2.3", "172.20.0.5", "127.0.0.2" })
        {
            Assert.Equal(ip, PlugHttp.Target(new ConfigDevice("obk_x", "x", null, ip, null, true, null, null), access).Address.ToString());
        }
        foreach (var ip in new[] { "8.8.8.8", "172.32.0.1", "169.254.1.1", "::1", "not-an-ip" })
        {
            Assert.Throws<PlugHttpException>(() => PlugHttp.Target(new ConfigDevice("obk_x", "x", null, ip, null, true, null, null), access));
        }
    }
}
