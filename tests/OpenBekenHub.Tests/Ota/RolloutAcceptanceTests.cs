using OpenBekenHub.Simulators.Images;
using OpenBekenHub.Simulators.Plugs;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Tests.Ota;

/// <summary>Issue 13's acceptance: staged rollouts on a real Mosquitto to simulated OpenBeken plugs (T and N mixed).</summary>
public sealed class RolloutAcceptanceTests
{
    private const string From = "1.18.230";
    private const string To = "1.18.231";

    [Fact]
    public async Task A_staged_rollout_to_50_mixed_plugs_ends_with_the_exact_per_plug_results()
    {
        await using var bench = await OtaBench.StartAsync(50, i => i % 2 == 0 ? "BK7231N" : "BK7231T");
        var firmwareId = await bench.UploadAsync($"OpenBK7231N_{To}.rbl", SyntheticRbl.Build("BK7231N", To, 60_000));
        var nPlugs = bench.Fleet.Plugs.Where(p => p.Settings.Chip == "BK7231N").ToList();
        // the planner orders by name: the failing plugs are the last three N plugs, so they fall in the last wave
        var byName = nPlugs.OrderBy(p => p.ShortName, StringComparer.OrdinalIgnoreCase).ToList();
        var (dropper, stuck, same) = (byName[^1], byName[^2], byName[^3]);
        dropper.OtaFailure = OtaFailureMode.DropsDownload;
        stuck.OtaFailure = OtaFailureMode.NeverReturns;
        same.OtaFailure = OtaFailureMode.RebootsIntoSameVersion;

        var id = await bench.StartRolloutAsync(new { firmwareId, concurrency = 5, deviceTimeoutSeconds = 15 });
        // bound generously: under a parallel CI run the 50 simulated downloads share two cores with other test assemblies
        var rollout = await bench.WaitFinalAsync(id, TimeSpan.FromMinutes(6));

        Assert.Equal("completed", rollout["state"]!.GetValue<string>());
        var results = OtaBench.Results(rollout);
        Assert.Equal(50, results.Count);
        foreach (var plug in bench.Fleet.Plugs)
        {
            var (result, reason) = results[bench.IdOf(plug)];
            if (plug.Settings.Chip == "BK7231T")
            {
                Assert.Equal("skipped", result);
                Assert.Contains("it is a BK7231T; OpenBK7231N_1.18.231.rbl is built for BK7231N", reason, StringComparison.Ordinal);
                Assert.Equal(0, plug.OtaCounter); // never sent the URL
                Assert.Equal(From, plug.FirmwareVersion);
            }
            else if (plug == dropper)
            {
                Assert.Equal(("failed", From), (result, plug.FirmwareVersion));
                Assert.Contains($"rebooted into {From}, not {To}: ", reason, StringComparison.Ordinal);
            }
            else if (plug == same)
            {
                Assert.Equal(("failed", From), (result, plug.FirmwareVersion));
                Assert.Contains($"rebooted into {From}, not {To}: it did not install the file although all of it was sent", reason, StringComparison.Ordinal);
            }
            else if (plug == stuck)
            {
                Assert.Equal("timedOut", result);
                Assert.Contains("not back within 15 s", reason, StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal(("ok", To, 1), (result, plug.FirmwareVersion, plug.OtaCounter));
            }
        }
        // default waves: 1 plug, then 10 % of the 25 eligible (3), then the rest (21)
        var waves = rollout["devices"]!.AsArray().Where(d => d!["result"]!.GetValue<string>() != "skipped")
            .GroupBy(d => d!["wave"]!.GetValue<int>()).OrderBy(g => g.Key).Select(g => g.Count()).ToList();
        Assert.Equal([1, 3, 21], waves);
    }

    [Fact]
    public async Task The_failure_threshold_stops_the_rollout_after_a_bad_wave()
    {
        await using var bench = await OtaBench.StartAsync(6, _ => "BK7231N");
        var firmwareId = await bench.UploadAsync($"OpenBK7231N_{To}.rbl", SyntheticRbl.Build("BK7231N", To, 40_000));
        var byName = bench.Fleet.Plugs.OrderBy(p => p.ShortName, StringComparer.OrdinalIgnoreCase).ToList();
        byName[0].OtaFailure = OtaFailureMode.DropsDownload;
        byName[1].OtaFailure = OtaFailureMode.RebootsIntoSameVersion;

        var id = await bench.StartRolloutAsync(new { firmwareId, waves = new object[] { 2, "rest" }, failureThreshold = 0.5, deviceTimeoutSeconds = 20 });
        var rollout = await bench.WaitFinalAsync(id, TimeSpan.FromMinutes(2));

        Assert.Equal("stopped", rollout["state"]!.GetValue<string>());
        var results = OtaBench.Results(rollout);
        Assert.Equal("failed", results[bench.IdOf(byName[0])].Result);
        Assert.Equal("failed", results[bench.IdOf(byName[1])].Result);
        foreach (var plug in byName.Skip(2))
        {
            var (result, reason) = results[bench.IdOf(plug)];
            Assert.Equal("skipped", result);
            Assert.Contains("stopped after wave 1: 2 of 2 plug(s) failed", reason, StringComparison.Ordinal);
            Assert.Equal(0, plug.OtaCounter);
        }
    }

    [Fact]
    public async Task A_hub_restart_mid_rollout_resumes_it()
    {
        await using var bench = await OtaBench.StartAsync(4, _ => "BK7231N");
        foreach (var plug in bench.Fleet.Plugs)
        {
            plug.OtaPiecePause = TimeSpan.FromMilliseconds(4); // about 1 s per download, so the restart lands mid-rollout
        }
        var firmwareId = await bench.UploadAsync($"OpenBK7231N_{To}.rbl", SyntheticRbl.Build("BK7231N", To, 60_000));
        var id = await bench.StartRolloutAsync(new { firmwareId, waves = new object[] { "rest" }, concurrency = 1, deviceTimeoutSeconds = 30 });
        await Eventually.TrueAsync(async () => OtaBench.Results(await bench.RolloutAsync(id)).Values.Count(r => r.Result == "ok") == 1,
            TimeSpan.FromSeconds(60), "first plug updated");

        await bench.StopHubAsync();
        Assert.Contains(bench.Fleet.Plugs, p => p.FirmwareVersion == From);
        await bench.StartHubAsync();

        var rollout = await bench.WaitFinalAsync(id, TimeSpan.FromMinutes(2));
        Assert.Equal("completed", rollout["state"]!.GetValue<string>());
        Assert.All(OtaBench.Results(rollout).Values, r => Assert.Equal("ok", r.Result));
        Assert.All(bench.Fleet.Plugs, p => Assert.Equal(To, p.FirmwareVersion));
    }

    [Fact]
    public async Task LittleFS_survives_an_update_that_overwrites_it()
    {
        var httpPort = FreePort.Next();
        await using var bench = await OtaBench.StartAsync(2, _ => "BK7231T", httpPort);
        var before = new Dictionary<SimulatedPlug, byte[]>();
        static HttpClient Web(SimulatedPlug plug, int port) => new() { BaseAddress = new Uri($"http://{plug.Settings.Ip}:{port}") };
        foreach (var plug in bench.Fleet.Plugs)
        {
            // written as a user or the configuration restore does it; the same LittleFS the OTA overwrites
            using var web = Web(plug, httpPort);
            (await web.PostAsync("/api/lfs/autoexec.bat", new StringContent($"startDriver NTP\r\nsetChannel 1 {plug.ClientTopic.Length}\r\n"))).EnsureSuccessStatusCode();
            before[plug] = plug.LittleFsBlock;
        }
        // 500,000 raw bytes do not compress: the .rbl is longer than T's 495,616-byte gap before LittleFS
        var firmwareId = await bench.UploadAsync($"OpenBK7231T_{To}.rbl", SyntheticRbl.Build("BK7231T", To, 500_000));
        var id = await bench.StartRolloutAsync(new { firmwareId, waves = new object[] { "rest" }, deviceTimeoutSeconds = 60 });
        // bound generously: under a parallel CI run the 50 simulated downloads share two cores with other test assemblies
        var rollout = await bench.WaitFinalAsync(id, TimeSpan.FromMinutes(6));

        Assert.Equal("completed", rollout["state"]!.GetValue<string>());
        foreach (var plug in bench.Fleet.Plugs)
        {
            var (result, reason) = OtaBench.Results(rollout)[bench.IdOf(plug)];
            Assert.Equal(("ok", "LittleFS backed up and restored"), (result, reason));
            Assert.Equal(To, plug.FirmwareVersion);
            Assert.Equal(before[plug], plug.LittleFsBlock);
            using var web = Web(plug, httpPort);
            Assert.Equal($"startDriver NTP\r\nsetChannel 1 {plug.ClientTopic.Length}\r\n", await web.GetStringAsync("/api/lfs/autoexec.bat"));
            Assert.Equal(1, plug.OtaCounter);
        }
    }
}
