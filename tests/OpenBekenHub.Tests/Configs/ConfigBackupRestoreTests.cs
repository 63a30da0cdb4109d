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
