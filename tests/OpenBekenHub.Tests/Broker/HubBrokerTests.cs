using OpenBekenHub.Mqtt.State;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OpenBekenHub.Api;
using OpenBekenHub.Hosting;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.Security;
using OpenBekenHub.Simulators.Plugs;
using OpenBekenHub.Tests.Support;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Tests.Broker;

/// <summary>The hub with its embedded broker's accounts on (the default): REST contract, permit-join, refusals, flood.</summary>
public sealed class HubBrokerTests
{
    [Fact]
    public async Task The_broker_REST_contract()
    {
        await using var hub = await HubHost.StartAsync();
        using var http = await hub.LoggedInClientAsync();
        var json = await http.GetStringAsync("/api/broker");
        Assert.Equal("""{"mode":"embedded","anonymous":false,"permitJoinUntil":null}""", json);

        var token = await HubHost.AntiforgeryTokenAsync(http, "/settings");
        http.DefaultRequestHeaders.Add("X-CSRF-TOKEN", token);
        var opened = await (await http.PostAsJsonAsync("/api/broker/permit-join", new { minutes = 5 })).Content.ReadFromJsonAsync<BrokerState>();
        Assert.InRange(opened!.PermitJoinUntil!.Value, DateTimeOffset.UtcNow.AddMinutes(4.9), DateTimeOffset.UtcNow.AddMinutes(5.1));
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsJsonAsync("/api/broker/permit-join", new { minutes = -1 })).StatusCode);
        var closed = await (await http.PostAsJsonAsync("/api/broker/permit-join", new { minutes = 0 })).Content.ReadFromJsonAsync<BrokerState>();
        Assert.Null(closed!.PermitJoinUntil);

        var ha = await http.GetAsync("/api/broker/accounts/homeassistant");
        Assert.Equal("no-store", ha.Headers.CacheControl?.ToString());
        var account = JsonDocument.Parse(await ha.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(["host", "port", "username", "password"], account.EnumerateObject().Select(p => p.Name));
        Assert.Equal("127.0.0.1", account.GetProperty("host").GetString());
        Assert.Equal(hub.Service<EmbeddedBrokerService>().Broker!.Port, account.GetProperty("port").GetInt32());
        Assert.Equal(hub.HomeAssistant(), (account.GetProperty("username").GetString()!, account.GetProperty("password").GetString()!));

        // a refused client is listed (no password kept) and can be approved once
        var port = hub.Service<EmbeddedBrokerService>().Broker!.Port.ToString(CultureInfo.InvariantCulture);
        await using (var anon = ExternalProcess.Start("mosquitto_pub", "-h", "127.0.0.1", "-p", port, "-i", "obkSTRAY", "-u", "homeassistant", "-P", "qqqqqqqqqq", "-t", "x", "-m", "1"))
        {
            Assert.NotEqual(0, await anon.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        }
        var refusedJson = await http.GetStringAsync("/api/broker/refused");
        Assert.DoesNotContain("qqqqqqqqqq", refusedJson, StringComparison.Ordinal);
        var refused = JsonSerializer.Deserialize<List<RefusedClientView>>(refusedJson, JsonSerializerOptions.Web)!;
        var stray = Assert.Single(refused);
        Assert.Equal(("obkSTRAY", "homeassistant", "127.0.0.1", true), (stray.ClientId, stray.Username, stray.Address, stray.Approvable));
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("/api/broker/refused/obkNOBODY/approve", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync("/api/broker/refused/obkSTRAY/approve", null)).StatusCode);
        Assert.Empty(JsonSerializer.Deserialize<List<RefusedClientView>>(await http.GetStringAsync("/api/broker/refused"), JsonSerializerOptions.Web)!);

        // without a login nothing of this is readable
        using var anonymousHttp = hub.Client();
        Assert.NotEqual(HttpStatusCode.OK, (await anonymousHttp.GetAsync("/api/broker/accounts/homeassistant")).StatusCode);
    }

    [Fact]
    public async Task Permit_join_adopts_an_existing_plug_and_moves_it_to_generated_credentials()
    {
        await using var hub = await HubHost.StartAsync();
        var port = hub.Service<EmbeddedBrokerService>().Broker!.Port;
        // a plug flashed elsewhere, with OpenBeken's factory MQTT login
        var settings = PlugSettings.ForIndex(7, "127.0.0.1", port) with
        {
            Username = "homeassistant",
            Password = "qqqqqqqqqq",
            ReconnectDelay = TimeSpan.FromMilliseconds(300),
            RestartDelay = TimeSpan.FromMilliseconds(300),
            BroadcastItemsPerSecond = 50,
        };
        await using var plug = new SimulatedPlug(settings);
        await plug.StartAsync();
        var gate = hub.Service<BrokerGate>();
        await Eventually.TrueAsync(() => gate.Refused.Find(settings.ClientTopic) is not null, because: "outside the window the plug is refused and listed");
        Assert.Null(hub.Service<DeviceStateStore>().FindByTopic(settings.ClientTopic));

        var moved = new TaskCompletionSource<BrokerAccount>(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.PlugMoved += a => moved.TrySetResult(a);
        hub.Service<BrokerAdmin>().PermitJoin(2);
        var account = await moved.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(settings.ClientTopic, account.Username);
        Assert.Equal("permit-join", account.Source);
        Assert.Equal(settings.ClientTopic, plug.MqttUsername); // the plug now logs in with its own account…
        await Eventually.TrueAsync(() => plug.IsConnected && hub.Service<BrokerAccounts>().Find(settings.ClientTopic)!.Confirmed is not null,
            because: "…and is connected with it");
        await Eventually.TrueAsync(() => hub.Service<DeviceStateStore>().FindByTopic(settings.ClientTopic) is not null, TimeSpan.FromSeconds(20), "the hub adopted the plug");
        Assert.Null(gate.Refused.Find(settings.ClientTopic));

        // the window closes; the plug keeps working with its account across reboots, a stranger is refused
        hub.Service<BrokerAdmin>().PermitJoin(0);
        var connections = plug.ConnectionCount;
        await plug.RestartAsync();
        await Eventually.TrueAsync(() => plug.ConnectionCount > connections && plug.IsConnected, TimeSpan.FromSeconds(20), "the plug reconnects with its own account");
        await using var stranger = new SimulatedPlug(PlugSettings.ForIndex(8, "127.0.0.1", port) with { ReconnectDelay = TimeSpan.FromMilliseconds(300) });
        await stranger.StartAsync();
        await Eventually.TrueAsync(() => gate.Refused.Find(stranger.ClientTopic) is not null, because: "a stranger is refused after the window");
        Assert.False(stranger.IsConnected);

        // one-click approval lets exactly that one in
        Assert.True(hub.Service<BrokerAdmin>().Approve(stranger.ClientTopic));
        await Eventually.TrueAsync(() => hub.Service<BrokerAccounts>().Find(stranger.ClientTopic)?.Confirmed is not null && stranger.IsConnected,
            TimeSpan.FromSeconds(30), "the approved plug joined and moved to its account");
        Assert.Equal("approved", hub.Service<BrokerAccounts>().Find(stranger.ClientTopic)!.Source);
    }

    [Fact]
    public async Task A_200_MiB_publish_is_refused_and_the_hub_stays_within_50_MiB()
    {
        await using var hub = await HubHost.StartAsync();
        var broker = hub.Service<EmbeddedBrokerService>().Broker!;
        using var data = new TempDir("flood");
        var file = data.File("200MiB.bin");
        await using (var f = File.Create(file))
        {
            f.SetLength(200L * 1024 * 1024);
        }
        var (user, password) = hub.HomeAssistant();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = RssBytes();
        await using (var pub = ExternalProcess.Start("mosquitto_pub", "-h", "127.0.0.1", "-p", broker.Port.ToString(CultureInfo.InvariantCulture),
                         "-u", user, "-P", password, "-q", "1", "-t", "cmnd/obkA/flood", "-f", file))
        {
            await pub.WaitForExitAsync(TimeSpan.FromSeconds(60));
        }
        await Eventually.TrueAsync(() => broker.OversizedRefused == 1, because: "the broker closed the connection at the header");
        var after = RssBytes();
        Assert.True(after - before < 50L * 1024 * 1024, $"RSS grew by {(after - before) / 1024 / 1024} MiB ({before / 1024 / 1024} → {after / 1024 / 1024} MiB)");
        // and it keeps serving
        await using var ok = ExternalProcess.Start("mosquitto_pub", "-h", "127.0.0.1", "-p", broker.Port.ToString(CultureInfo.InvariantCulture),
            "-u", user, "-P", password, "-t", "cmnd/obkA/POWER", "-m", "ON");
        Assert.Equal(0, await ok.WaitForExitAsync(TimeSpan.FromSeconds(10)));
    }

    /// <summary>VmRSS of this process (the hub runs in it) from /proc/self/status.</summary>
    private static long RssBytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}
