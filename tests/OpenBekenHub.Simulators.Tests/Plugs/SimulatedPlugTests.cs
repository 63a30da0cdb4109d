using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using OpenBekenHub.Simulators.Plugs;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Simulators.Tests.Plugs;

/// <summary>The simulated plug behaves like OpenBeken firmware (openbeken.md §1, §3.3, §9), quirks included.</summary>
public sealed class SimulatedPlugTests
{
    private static PlugSettings Fast(int port, bool meter = false, int httpPort = 0, string? webPassword = null) =>
        PlugSettings.ForMac("02:0b:1a:2b:3c:4d", "127.0.0.1", port, meter) with
        {
            BroadcastItemsPerSecond = 100,
            ReconnectDelay = TimeSpan.FromMilliseconds(200),
            HttpPort = httpPort,
            WebPassword = webPassword,
        };

    [Fact]
    public void Names_derive_from_the_mac_like_the_firmware()
    {
        var s = PlugSettings.ForMac("02:0B:1A:2B:3C:4D", "h", 1883);

        Assert.Equal("obk1A2B3C4D", s.ClientTopic);
        Assert.Equal("obk1A2B3C4D", s.ShortName);
        Assert.Equal("OpenBK7231N_1A2B3C4D", s.FriendlyName);
        Assert.Equal("02:0b:1a:2b:3c:4d", s.Mac);
        Assert.Equal([1], s.RelayChannels);
    }

    [Fact]
    public async Task On_connect_it_publishes_retained_online_then_its_stats_once_per_connection()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var probe = await MqttProbe.ConnectAsync(broker.Port, null, "obk1A2B3C4D/#");
        await using var plug = new SimulatedPlug(Fast(broker.Port));

        await plug.StartAsync();

        await Eventually.TrueAsync(() => probe.Payloads("obk1A2B3C4D/1/get").Count == 1, because: "the broadcast ends with the relay channel");
        var topics = probe.Received.Select(m => m.Topic).ToList();
        string[] order = ["connected", "host", "build", "mac", "temp", "ssid", "datetime", "sockets", "rssi", "uptime", "freeheap", "ip", "1/get"];
        Assert.Equal(order.Select(t => "obk1A2B3C4D/" + t), topics);
        Assert.Equal("online", probe.Payloads("obk1A2B3C4D/connected").Single());
        Assert.Equal("02:0b:1a:2b:3c:4d", probe.Payloads("obk1A2B3C4D/mac").Single());
        Assert.StartsWith("OpenBK7231N 1.18.230 ", probe.Payloads("obk1A2B3C4D/build").Single(), StringComparison.Ordinal);

        await probe.PublishAsync("homeassistant/status", "online");
        await Eventually.TrueAsync(() => probe.Payloads("obk1A2B3C4D/rssi").Count == 2, because: "HA's birth repeats the full broadcast");
    }

    [Fact]
    public async Task Set_follows_the_firmware_quirks_ON_means_off_and_same_value_publishes_nothing()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var plug = new SimulatedPlug(Fast(broker.Port));
        await using var probe = await MqttProbe.ConnectAsync(broker.Port, null, "obk1A2B3C4D/1/get");
        await plug.StartAsync();
        await Eventually.TrueAsync(() => probe.Payloads("obk1A2B3C4D/1/get").Count == 1, because: "initial broadcast");

        await probe.PublishAsync("obk1A2B3C4D/1/set", "1");
        await Eventually.TrueAsync(() => probe.Payloads("obk1A2B3C4D/1/get").Count == 2 && plug.IsRelayOn(), because: "1 switches on");
        await probe.PublishAsync("obk1A2B3C4D/1/set", "1");
        await probe.PublishAsync("obk1A2B3C4D/1/set", "ON");
        await Eventually.TrueAsync(() => !plug.IsRelayOn(), because: "ON is read as 0 by atoi: off");
        await probe.PublishAsync("obk1A2B3C4D/1/set", "Toggle");
        await Eventually.TrueAsync(() => plug.IsRelayOn(), because: "toggle");
        await probe.PublishAsync("obk1A2B3C4D/1/get", "");
        await Eventually.TrueAsync(() => probe.Payloads("obk1A2B3C4D/1/get").Count(p => p.Length > 0) == 5, because: "an empty /get is answered");

        Assert.Equal(["0", "1", "0", "1", "1"], probe.Payloads("obk1A2B3C4D/1/get").Where(p => p.Length > 0));
    }

    [Fact]
    public async Task Console_commands_over_mqtt_reply_on_stat_topics_only_for_power_state_and_status()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var plug = new SimulatedPlug(Fast(broker.Port, meter: true));
        await using var probe = await MqttProbe.ConnectAsync(broker.Port, null, "stat/obk1A2B3C4D/+");
        await plug.StartAsync();
        await Eventually.TrueAsync(() => plug.IsConnected, because: "connected");

        await probe.PublishAsync("cmnd/obk1A2B3C4D/POWER", "TOGGLE");
        await probe.PublishAsync("cmnd/obk1A2B3C4D/SetFlag", "21 1");
        await probe.PublishAsync("cmnd/obk1A2B3C4D/STATUS", "5");
        await probe.PublishAsync("cmnd/bekens_n/STATUS", "2");

        await Eventually.TrueAsync(() => probe.Payloads("stat/obk1A2B3C4D/STATUS2").Count == 1, because: "group topic commands reply on the own topic");
        Assert.Equal(["{\"POWER\":\"ON\"}"], probe.Payloads("stat/obk1A2B3C4D/RESULT"));
        Assert.Equal("02:0B:1A:2B:3C:4D", JsonNode.Parse(probe.Payloads("stat/obk1A2B3C4D/STATUS5").Single())!["StatusNET"]!["Mac"]!.GetValue<string>());
        Assert.Equal("obk", JsonNode.Parse(probe.Payloads("stat/obk1A2B3C4D/STATUS2").Single())!["StatusFWR"]!["SDK"]!.GetValue<string>());
        Assert.True(plug.Flags == ((1UL << 10) | (1UL << 21)));
        Assert.Equal(3, probe.Received.Count);
    }

    [Fact]
    public async Task Losing_power_makes_the_broker_publish_the_retained_offline_will()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var plug = new SimulatedPlug(Fast(broker.Port));
        await plug.StartAsync();
        await Eventually.TrueAsync(() => plug.IsConnected, because: "connected");

        await plug.PowerOffAsync();

        await using var late = await MqttProbe.ConnectAsync(broker.Port, null, "obk1A2B3C4D/connected");
        await Eventually.TrueAsync(() => late.Received.Any(m => m.Retain && m.Payload == "offline"), because: "retained LWT");
    }

    [Fact]
    public async Task The_button_toggles_the_relay_and_the_meter_publishes_by_its_rule()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var plug = new SimulatedPlug(Fast(broker.Port, meter: true));
        await using var probe = await MqttProbe.ConnectAsync(broker.Port, null, "obk1A2B3C4D/+/get");
        await plug.StartAsync();
        await Eventually.TrueAsync(() => probe.Payloads("obk1A2B3C4D/voltage/get").Count == 1, because: "first meter update sends every value");

        plug.SetPowerReading(231.25, 0.5, 100.0);
        plug.PressButton();

        await Eventually.TrueAsync(() => plug.IsRelayOn() && probe.Payloads("obk1A2B3C4D/1/get").Contains("1"), because: "button toggled the relay");
        await Eventually.TrueAsync(() => probe.Payloads("obk1A2B3C4D/power/get").Contains("100.00"), TimeSpan.FromSeconds(10), "power after at least 5 updates");
        Assert.Contains("231.2", probe.Payloads("obk1A2B3C4D/voltage/get")); // cut, not rounded
    }

    [Fact]
    public void The_meter_rule_waits_5_updates_for_a_change_and_forces_a_publish_after_60()
    {
        var meter = new PowerMeter { Voltage = 230, Current = 0, Power = 0 };

        Assert.Equal(PowerMeter.Quantities.Count, meter.Update().Count);
        meter.Power = 50;
        Assert.Empty(meter.Update());
        Assert.Empty(meter.Update());
        Assert.Empty(meter.Update());
        Assert.Empty(meter.Update());
        Assert.Contains(meter.Update(), p => p.Name == "power" && p.Text == "50.00");
        var forced = Enumerable.Range(0, 60).SelectMany(_ => meter.Update()).Where(p => p.Name == "voltage").ToList();
        Assert.Single(forced);
        Assert.Equal("25.49", PowerMeter.Format(25.499, 2));
    }

    [Fact]
    public async Task The_cm_json_api_answers_with_the_firmware_quirks()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var http = FreePort.Next();
        await using var plug = new SimulatedPlug(Fast(broker.Port, httpPort: http));
        await plug.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}") };

        Assert.Equal("{\"POWER\":\"ON\"}", await client.GetStringAsync("/cm?cmnd=Power%20TOGGLE"));
        Assert.True(plug.IsRelayOn());
        var status = JsonNode.Parse(await client.GetStringAsync("/cm?cmnd=STATUS"))!;
        Assert.Equal("obk1A2B3C4D", status["Status"]!["Topic"]!.GetValue<string>());
        Assert.Equal(30, status["StatusMQT"]!["KEEPALIVE"]!.GetValue<int>()); // the firmware reports a fake 30
        Assert.Equal("1", await client.GetStringAsync("/cm?cmnd=GetChannel%201"));
        Assert.Equal("{}", await client.GetStringAsync("/cm?cmnd=NoSuchCommand"));
        var info = JsonNode.Parse(await client.GetStringAsync("/api/info"))!;
        Assert.Equal("BK7231N", info["chipset"]!.GetValue<string>());

        using var raw = new TcpClient();
        await raw.ConnectAsync("127.0.0.1", http);
        await raw.GetStream().WriteAsync(Encoding.ASCII.GetBytes("GET /cm?cmnd=POWER HTTP/1.1\r\nHost: x\r\n\r\n"));
        var text = await new StreamReader(raw.GetStream()).ReadToEndAsync();
        Assert.StartsWith("HTTP/1.1 200 OK\nContent-type: application/json\r\n", text, StringComparison.Ordinal);
        Assert.Contains("Access-Control-Allow-Origin: *", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_web_password_requires_basic_auth_as_admin()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var http = FreePort.Next();
        await using var plug = new SimulatedPlug(Fast(broker.Port, httpPort: http, webPassword: "secret1"));
        await plug.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}") };

        var refused = await client.GetAsync("/cm?cmnd=POWER");
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:secret1")));
        Assert.Equal("{\"POWER\":\"OFF\"}", await client.GetStringAsync("/cm?cmnd=POWER"));
    }

    [Fact]
    public async Task A_fleet_runs_many_plugs_on_one_scheduler()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var fleet = await PlugFleet.StartAsync("127.0.0.1", broker.Port, 50, new PlugFleetOptions { BroadcastItemsPerSecond = 100 });

        await fleet.WaitAllConnectedAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(50, fleet.Plugs.Select(p => p.ClientTopic).Distinct().Count());
        Assert.Equal(25, fleet.Plugs.Count(p => p.Meter is not null));
        fleet[7].PressButton();
        Assert.True(fleet[7].IsRelayOn());
    }
}
