using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using OpenBekenHub.Simulators.Images;
using OpenBekenHub.Simulators.Plugs;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Simulators.Tests.Plugs;

/// <summary>The simulated plug's OTA follows openbeken-ota.md: pull limits, reboot after every attempt, bootloader, LittleFS.</summary>
public sealed class SimulatedPlugOtaTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static SimulatedPlug Plug(int brokerPort, string chip = "BK7231N", int httpPort = 0, string mac = "02:0b:1a:2b:3c:4d", OtaFailureMode failure = OtaFailureMode.None) =>
        new(PlugSettings.ForMac(mac, "127.0.0.1", brokerPort, chip: chip) with
        {
            BroadcastItemsPerSecond = 100,
            ReconnectDelay = TimeSpan.FromMilliseconds(200),
            RestartDelay = TimeSpan.FromMilliseconds(100),
            HttpPort = httpPort,
        })
        {
            OtaPiecePause = TimeSpan.Zero,
            OtaRebootDelay = TimeSpan.FromMilliseconds(50),
            OtaFailure = failure,
        };

    private static async Task<(MosquittoBroker Broker, SimulatedPlug Plug, MqttProbe Probe)> StartAsync(string chip = "BK7231N", OtaFailureMode failure = OtaFailureMode.None, int httpPort = 0)
    {
        var broker = await MosquittoBroker.StartAsync();
        var plug = Plug(broker.Port, chip, httpPort, failure: failure);
        var probe = await MqttProbe.ConnectAsync(broker.Port, null, $"{plug.ClientTopic}/#", $"stat/{plug.ClientTopic}/#");
        await plug.StartAsync();
        await Eventually.TrueAsync(() => probe.Payloads($"{plug.ClientTopic}/build").Count > 0, Wait, "first build");
        return (broker, plug, probe);
    }

    private static async Task Stop(MosquittoBroker broker, SimulatedPlug plug, MqttProbe probe)
    {
        await probe.DisposeAsync();
        await plug.DisposeAsync();
        await broker.DisposeAsync();
    }

    [Fact]
    public async Task Ota_http_drops_mqtt_downloads_reboots_and_only_the_new_build_shows_success()
    {
        var (broker, plug, probe) = await StartAsync();
        try
        {
            await using var server = new OtaFileServer(SyntheticRbl.Build("BK7231N", "1.18.231", 60_000));
            await probe.PublishAsync($"cmnd/{plug.ClientTopic}/ota_http", server.Url());

            await Eventually.TrueAsync(() => probe.Payloads($"{plug.ClientTopic}/connected").Contains("offline"), Wait, "LWT offline while the OTA runs");
            await Eventually.TrueAsync(() => probe.Payloads($"{plug.ClientTopic}/build").Any(b => b.StartsWith("OpenBK7231N 1.18.231 ", StringComparison.Ordinal)), Wait, "new build after the reboot");
            Assert.Equal("online", probe.Payloads($"{plug.ClientTopic}/connected")[^1]);
            Assert.Equal("1.18.231", plug.FirmwareVersion);
            Assert.Equal(2, plug.ConnectionCount);
            Assert.Equal(1, plug.OtaCounter);
            // the firmware's request, byte for byte
            var request = Assert.Single(server.Requests);
            Assert.StartsWith("GET /fw.rbl HTTP/1.1\r\nHost: 127.0.0.1:", request, StringComparison.Ordinal);
            Assert.EndsWith("\r\nContent-Length: 0\r\nContent-Type: text/csv\r\n\r\n", request, StringComparison.Ordinal);

            plug.Execute("STATUS 2");
            Assert.Equal("OpenBK7231N_1.18.231", JsonNode.Parse(plug.Execute("STATUS 2"))!["StatusFWR"]!["Version"]!.GetValue<string>());
        }
        finally
        {
            await Stop(broker, plug, probe);
        }
    }

    [Theory]
    [InlineData(ServeMode.NoContentLength)]
    [InlineData(ServeMode.Chunked)]
    [InlineData(ServeMode.Redirect)]
    [InlineData(ServeMode.NotFound)]
    public async Task A_server_outside_the_firmwares_limits_leaves_the_old_version_after_a_reboot(ServeMode mode)
    {
        var (broker, plug, probe) = await StartAsync();
        try
        {
            await using var server = new OtaFileServer(SyntheticRbl.Build("BK7231N", "1.18.231", 60_000), mode);
            await probe.PublishAsync($"cmnd/{plug.ClientTopic}/ota_http", server.Url());

            await Eventually.TrueAsync(() => plug.ConnectionCount == 2 && plug.IsConnected && !plug.OtaInProgress, Wait, "rebooted after the failed pull");
            Assert.Equal("1.18.230", plug.FirmwareVersion);
            Assert.Contains("offline", probe.Payloads($"{plug.ClientTopic}/connected"));
            if (mode is ServeMode.NoContentLength or ServeMode.Chunked)
            {
                // no Content-Length (chunked is not decoded): the counter starts at 0, one piece is taken, the download ends
                Assert.InRange(plug.OtaBytesReceived, 1, 255);
            }
            else
            {
                Assert.Equal(0, plug.OtaBytesReceived);
            }
        }
        finally
        {
            await Stop(broker, plug, probe);
        }
    }

    [Fact]
    public async Task A_path_of_128_bytes_or_more_is_never_requested_but_the_plug_still_reboots()
    {
        var (broker, plug, probe) = await StartAsync();
        try
        {
            await using var server = new OtaFileServer(SyntheticRbl.Build("BK7231N", "1.18.231", 20_000));
            await probe.PublishAsync($"cmnd/{plug.ClientTopic}/ota_http", server.Url("/" + new string('a', 127)));

            await Eventually.TrueAsync(() => plug.ConnectionCount == 2 && plug.IsConnected, Wait, "rebooted");
            Assert.Empty(server.Requests);
            Assert.Equal("1.18.230", plug.FirmwareVersion);
        }
        finally
        {
            await Stop(broker, plug, probe);
        }
    }

    [Fact]
    public async Task A_package_for_the_other_chip_bricks_the_plug_and_it_never_comes_back()
    {
        var (broker, plug, probe) = await StartAsync("BK7231T");
        try
        {
            await using var server = new OtaFileServer(SyntheticRbl.Build("BK7231N", "1.18.231", 30_000));
            await probe.PublishAsync($"cmnd/{plug.ClientTopic}/ota_http", server.Url());

            await Eventually.TrueAsync(() => plug.IsBricked, Wait, "bricked by the N package");
            Assert.False(plug.IsConnected);
            await plug.RestartAsync(); // even a power-cycle does not help
            Assert.False(plug.IsConnected);
            Assert.Equal("offline", probe.Payloads($"{plug.ClientTopic}/connected")[^1]);
        }
        finally
        {
            await Stop(broker, plug, probe);
        }
    }

    [Theory]
    [InlineData(OtaFailureMode.DropsDownload, "1.18.230", true)]
    [InlineData(OtaFailureMode.RebootsIntoSameVersion, "1.18.230", true)]
    [InlineData(OtaFailureMode.NeverReturns, "1.18.230", false)]
    public async Task Failure_modes_end_as_the_issues_report_them(OtaFailureMode failure, string version, bool comesBack)
    {
        var (broker, plug, probe) = await StartAsync(failure: failure);
        try
        {
            var file = SyntheticRbl.Build("BK7231N", "1.18.231", 60_000);
            await using var server = new OtaFileServer(file);
            await probe.PublishAsync($"cmnd/{plug.ClientTopic}/ota_http", server.Url());

            await Eventually.TrueAsync(() => !plug.OtaInProgress && plug.OtaCounter == 1 && (comesBack ? plug.ConnectionCount == 2 && plug.IsConnected : plug.IsHung), Wait, failure.ToString());
            Assert.Equal(version, plug.FirmwareVersion);
            Assert.Equal(comesBack, plug.IsConnected);
            if (failure == OtaFailureMode.DropsDownload)
            {
                Assert.InRange(plug.OtaBytesReceived, 1, file.Length - 1);
            }
            else
            {
                Assert.Equal(file.Length, plug.OtaBytesReceived);
            }
        }
        finally
        {
            await Stop(broker, plug, probe);
        }
    }

    [Fact]
    public async Task A_file_written_through_api_lfs_is_gone_after_an_oversized_push_ota_and_back_when_the_fsblock_is_restored()
    {
        var httpPort = FreePort.Next();
        var (broker, plug, probe) = await StartAsync("BK7231T", httpPort: httpPort);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
            var written = await http.PostAsync("/api/lfs/autoexec.bat", new StringContent("startDriver NTP\r\n"));
            Assert.Equal("{\"fname\":\"autoexec.bat\",\"size\":17}", await written.Content.ReadAsStringAsync());
            var backup = await http.GetByteArrayAsync("/api/fsblock"); // one LittleFS: the block holds the file /api/lfs wrote
            Assert.Equal(SimulatedPlug.LittleFsSize, backup.Length);
            Assert.Equal(plug.LittleFsBlock, backup);

            var file = SyntheticRbl.Build("BK7231T", "1.18.231", 500_000); // longer than T's 495,616-byte gap
            using var content = new ByteArrayContent(file);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            var reply = await (await http.PostAsync("/api/ota", content)).Content.ReadAsStringAsync();
            Assert.Equal($"{{\"size\":{file.Length}}}", reply);
            Assert.True(plug.IsConnected); // no reboot on Beken
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/lfs/autoexec.bat")).StatusCode); // overwritten: no file system
            Assert.Empty(plug.LfsFiles);

            await http.PostAsync("/api/reboot", null);
            await Eventually.TrueAsync(() => plug.FirmwareVersion == "1.18.231" && plug.IsConnected, Wait, "installed on reboot");
            Assert.NotEqual(backup, await http.GetByteArrayAsync("/api/fsblock"));
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/lfs/")).StatusCode);

            using var restore = new ByteArrayContent(backup);
            await http.PostAsync("/api/fsblock", restore);
            Assert.Equal(backup, plug.LittleFsBlock);
            Assert.Equal("startDriver NTP\r\n", await http.GetStringAsync("/api/lfs/autoexec.bat"));
        }
        finally
        {
            await Stop(broker, plug, probe);
        }
    }

    [Theory]
    [InlineData("BK7231T", 500_000, false)] // longer than T's 495,616-byte gap before LittleFS
    [InlineData("BK7231T", 60_000, true)]
    [InlineData("BK7231N", 500_000, true)] // N's gap is 647,168 bytes
    public async Task An_ota_http_pull_keeps_the_files_of_api_lfs_only_when_the_package_stops_short_of_littlefs(string chip, int size, bool kept)
    {
        var httpPort = FreePort.Next();
        var (broker, plug, probe) = await StartAsync(chip, httpPort: httpPort);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
            (await http.PostAsync("/api/lfs/autoexec.bat", new StringContent("startDriver NTP\n"))).EnsureSuccessStatusCode();
            var file = SyntheticRbl.Build(chip, "1.18.231", size);
            Assert.Equal(!kept, file.Length > (chip == "BK7231T" ? 495_616 : 647_168)); // the case is what it says
            await using var server = new OtaFileServer(file);

            await probe.PublishAsync($"cmnd/{plug.ClientTopic}/ota_http", server.Url());
            await Eventually.TrueAsync(() => plug.FirmwareVersion == "1.18.231" && plug.IsConnected, Wait, "installed and back");

            var reply = await http.GetAsync("/api/lfs/autoexec.bat");
            Assert.Equal(kept ? HttpStatusCode.OK : HttpStatusCode.NotFound, reply.StatusCode);
            Assert.Equal(kept, plug.LfsFiles.ContainsKey("autoexec.bat"));
        }
        finally
        {
            await Stop(broker, plug, probe);
        }
    }
}
