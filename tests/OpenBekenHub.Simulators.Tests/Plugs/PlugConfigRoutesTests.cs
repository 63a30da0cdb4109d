using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OpenBekenHub.Simulators.Plugs;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Simulators.Tests.Plugs;

/// <summary>The simulated plug serves and accepts its configuration over REST as rest_interface.c does.</summary>
public sealed class PlugConfigRoutesTests
{
    private static async Task<(MosquittoBroker Broker, SimulatedPlug Plug, HttpClient Http)> StartAsync()
    {
        var broker = await MosquittoBroker.StartAsync();
        var http = FreePort.Next();
        var plug = new SimulatedPlug(PlugSettings.ForMac("02:0b:1a:2b:3c:4d", "127.0.0.1", broker.Port, powerMeter: true) with { HttpPort = http });
        await plug.StartAsync();
        return (broker, plug, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}") });
    }

    [Fact]
    public async Task Pins_are_served_per_gpio_and_a_post_changes_roles_channels_and_what_the_relays_are()
    {
        var (broker, plug, http) = await StartAsync();
        await using var _ = broker;
        await using var __ = plug;
        using var ___ = http;

        var pins = JsonNode.Parse(await http.GetStringAsync("/api/pins"))!;
        Assert.Equal(SimulatedPlug.GpioCount, pins["roles"]!.AsArray().Count);
        Assert.Equal(1, pins["roles"]![26]!.GetValue<int>()); // Rel
        Assert.Equal(1, pins["channels"]![26]!.GetValue<int>());
        Assert.Equal(18, pins["roles"]![24]!.GetValue<int>()); // BL0937CF
        Assert.Equal("Rel", pins["rolenames"]![1]!.GetValue<string>());
        Assert.Null(pins["channels2"]); // left out while every second channel is 0

        var roles = Enumerable.Repeat(0, SimulatedPlug.GpioCount).ToArray();
        var channels = Enumerable.Repeat(0, SimulatedPlug.GpioCount).ToArray();
        roles[7] = 1; channels[7] = 2; // relay moves to P7 channel 2
        var reply = await http.PostAsync("/api/pins", new StringContent(new JsonObject
        {
            ["roles"] = new JsonArray([.. roles.Select(r => (JsonNode?)r)]),
            ["channels"] = new JsonArray([.. channels.Select(c => (JsonNode?)c)]),
        }.ToJsonString()));
        Assert.Equal("{\"success\":200, \"msg\":\"OK\"}", await reply.Content.ReadAsStringAsync());
        Assert.Equal((1, 2, 0), plug.GetPin(7));
        Assert.Equal((0, 0, 0), plug.GetPin(26));
        Assert.Equal([2], plug.RelayChannels);

        Assert.Equal("{}", await http.GetStringAsync("/cm?cmnd=SetPinChannel%207%202%205"));
        pins = JsonNode.Parse(await http.GetStringAsync("/api/pins"))!;
        Assert.Equal(8, pins["channels2"]!.AsArray().Count); // cut after the last non-zero second channel
        Assert.Equal(5, pins["channels2"]![7]!.GetValue<int>());
    }

    [Fact]
    public async Task A_json_body_beyond_the_firmware_token_budget_is_refused_with_its_error_code()
    {
        var (broker, plug, http) = await StartAsync();
        await using var _ = broker;
        await using var __ = plug;
        using var ___ = http;

        var tooMany = new JsonObject { ["types"] = new JsonArray([.. Enumerable.Range(0, 200).Select(_ => (JsonNode?)0)]) };
        var reply = await http.PostAsync("/api/channelTypes", new StringContent(tooMany.ToJsonString()));

        Assert.Equal(HttpStatusCode.BadRequest, reply.StatusCode);
        Assert.StartsWith("{\"error\":400", await reply.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Channel_types_round_trip_and_the_startup_command_shows_in_api_info()
    {
        var (broker, plug, http) = await StartAsync();
        await using var _ = broker;
        await using var __ = plug;
        using var ___ = http;

        var types = Enumerable.Repeat(0, SimulatedPlug.ChannelTypeCount).ToArray();
        types[3] = 18;
        await http.PostAsync("/api/channelTypes", new StringContent(new JsonObject { ["types"] = new JsonArray([.. types.Select(t => (JsonNode?)t)]) }.ToJsonString()));
        var back = JsonNode.Parse(await http.GetStringAsync("/api/channelTypes"))!;
        Assert.Equal(64, back["types"]!.AsArray().Count);
        Assert.Equal(18, back["types"]![3]!.GetValue<int>());
        Assert.Equal("Power", back["typenames"]![18]!.GetValue<string>());

        await http.PostAsync("/api/cmnd", new StringContent("StartupCommand \"backlog startDriver NTP; SetFlag 30 1\""));
        var info = JsonNode.Parse(await http.GetStringAsync("/api/info"))!;
        Assert.Equal("backlog startDriver NTP; SetFlag 30 1", info["startcmd"]!.GetValue<string>());
    }

    [Fact]
    public async Task LittleFS_is_absent_until_the_first_write_then_lists_reads_deletes_and_fills_up()
    {
        var (broker, plug, http) = await StartAsync();
        await using var _ = broker;
        await using var __ = plug;
        using var ___ = http;

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/lfs/")).StatusCode);
        var written = await http.PostAsync("/api/lfs/autoexec.bat", new StringContent("startDriver NTP\n"));
        Assert.Equal("{\"fname\":\"autoexec.bat\",\"size\":16}", await written.Content.ReadAsStringAsync());
        await http.PostAsync("/api/lfs/www/index.html", new StringContent("<p>hi</p>"));

        var root = JsonNode.Parse(await http.GetStringAsync("/api/lfs/"))!;
        var names = root["content"]!.AsArray().Select(e => $"{e!["name"]}:{e["type"]}").ToList();
        Assert.Equal([".:2", "..:2", "autoexec.bat:1", "www:2"], names);
        Assert.Equal("startDriver NTP\n", await http.GetStringAsync("/api/lfs/autoexec.bat"));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/lfs/missing.txt")).StatusCode);

        Assert.Equal("OK", await http.GetStringAsync("/api/del/autoexec.bat"));
        Assert.Equal("Error", await http.GetStringAsync("/api/del/autoexec.bat"));
        Assert.False(plug.LfsFiles.ContainsKey("autoexec.bat"));

        var big = new string('x', 7000);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            statuses.Add((await http.PostAsync($"/api/lfs/big{i}.txt", new StringContent(big, Encoding.UTF8))).StatusCode);
        }
        Assert.Equal(HttpStatusCode.InternalServerError, statuses[^1]); // LFS_ERR_NOSPC once the 32 KiB file system is full
    }
}
