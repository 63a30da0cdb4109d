using Microsoft.Extensions.Logging;
using MQTTnet;
using OpenBekenHub.Mqtt.Security;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Mqtt.Tests.Security;

/// <summary>Accounts and topic rules on the embedded broker, tried with the real mosquitto command-line clients.</summary>
public sealed class EmbeddedBrokerSecurityTests
{
    [Fact]
    public async Task Anonymous_clients_are_refused_and_listed()
    {
        await using var b = await SecuredBroker.StartAsync();
        var (code, output) = await b.RunAsync("mosquitto_pub", "-i", "obkSTRANGER", "-t", "obkA/1/set", "-m", "1");
        Assert.NotEqual(0, code);
        Assert.Contains("not authorised", output, StringComparison.OrdinalIgnoreCase);
        var refused = Assert.Single(b.Gate.Refused.Snapshot());
        Assert.Equal("obkSTRANGER", refused.ClientId);
        Assert.Equal("127.0.0.1", refused.Address);
        Assert.True(b.Log.Has(LogLevel.Warning, "anonymous clients are not allowed"));
    }

    [Fact]
    public async Task A_plug_account_cannot_publish_on_another_plugs_topics_nor_subscribe_to_everything()
    {
        await using var b = await SecuredBroker.StartAsync();
        var (plugA, pwA) = b.Accounts.IssuePlug("obkA", "OpenBK7231N_A", "bekens_n", "test");
        var (plugB, pwB) = b.Accounts.IssuePlug("obkB", "OpenBK7231N_B", "bekens_n", "test");
        await using var watcher = b.Start("mosquitto_sub", [.. b.AsHomeAssistant(), "-t", "#", "-v"]);
        await Eventually.TrueAsync(() => b.Broker.ConnectedClients == 1, because: "Home Assistant's subscriber connected");

        foreach (var (topic, payload) in new[] { ("obkB/mac", "evil"), ("stat/obkB/STATUS5", "{}"), ("obkB/1/get", "1"), ("cmnd/obkB/MqttHost", "evil"), ("obkA/1/set", "1"), ("evil/mac", "aa:bb") })
        {
            var (code, _) = await b.RunAsync("mosquitto_pub", [.. b.As(plugA, pwA), "-q", "1", "-t", topic, "-m", payload]);
            Assert.Equal(0, code); // MQTT 3.1.1 has no way to refuse a publish: it is acknowledged and dropped
        }
        Assert.Equal(0, (await b.RunAsync("mosquitto_pub", [.. b.As(plugA, pwA), "-q", "1", "-t", "obkA/mac", "-m", "good"])).Code);
        await Eventually.TrueAsync(() => watcher.Output.Contains("obkA/mac good", StringComparison.Ordinal), because: "the plug's own publish arrives");
        Assert.DoesNotContain("obkB/", watcher.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("evil", watcher.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("obkA/1/set", watcher.Output, StringComparison.Ordinal);
        Assert.True(b.Log.Has(LogLevel.Warning, "denied publish on 'obkB/mac' to client obkA"));

        // '#' and another plug's command topic: SUBACK failure, and nothing arrives
        var (subCode, subOutput) = await b.RunAsync("mosquitto_sub", [.. b.As(plugA, pwA), "-t", "#", "-t", "cmnd/obkB/+", "-C", "1", "-W", "3"]);
        Assert.True(subCode != 0 || subOutput.Length > 0, $"exit {subCode}: {subOutput}");
        Assert.Contains("denied", subOutput, StringComparison.OrdinalIgnoreCase);
        Assert.True(b.Log.Has(LogLevel.Warning, "denied subscribe on '#' to client obkA"));

        // while its own command topic works
        await using var own = b.Start("mosquitto_sub", [.. b.As(plugB, pwB), "-t", "cmnd/obkB/+", "-v", "-C", "1", "-W", "20"]);
        await Eventually.TrueAsync(() => b.Broker.ConnectedClients == 2, because: "plug B subscribed");
        await Eventually.TrueAsync(async () =>
        {
            // until its subscription is in place; the output is read after the process may have exited
            if (!own.HasExited)
            {
                await b.RunAsync("mosquitto_pub", [.. b.AsHomeAssistant(), "-t", "cmnd/obkB/POWER", "-m", "TOGGLE"]);
            }
            return own.Output.Contains("cmnd/obkB/POWER TOGGLE", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(20), "plug B received its command from Home Assistant");
    }

    [Fact]
    public async Task Home_Assistant_cannot_publish_on_plug_state_topics()
    {
        await using var b = await SecuredBroker.StartAsync();
        var (plug, pw) = b.Accounts.IssuePlug("obkA", null, null, "test");
        await using var plugListens = b.Start("mosquitto_sub", [.. b.As(plug, pw), "-t", "obkA/+/get", "-t", "obkA/+/set", "-v"]);
        await Eventually.TrueAsync(() => b.Broker.ConnectedClients == 1, because: "plug subscribed");
        foreach (var topic in new[] { "obkA/1/get", "obkA/connected", "obkA/mac", "stat/obkA/STATUS5", "homeassistant/switch/x/config" })
        {
            Assert.Equal(0, (await b.RunAsync("mosquitto_pub", [.. b.AsHomeAssistant(), "-q", "1", "-t", topic, "-m", "forged"])).Code);
        }
        Assert.Equal(0, (await b.RunAsync("mosquitto_pub", [.. b.AsHomeAssistant(), "-q", "1", "-t", "obkA/1/set", "-m", "1"])).Code);
        await Eventually.TrueAsync(() => plugListens.Output.Contains("obkA/1/set 1", StringComparison.Ordinal), because: "HA's command reaches the plug");
        Assert.DoesNotContain("forged", plugListens.Output, StringComparison.Ordinal);
        Assert.True(b.Log.Has(LogLevel.Warning, "denied publish on 'obkA/1/get' to client"));
    }

    [Fact]
    public async Task A_client_connecting_with_the_hubs_client_id_does_not_knock_the_hub_off_and_is_logged()
    {
        await using var b = await SecuredBroker.StartAsync();
        var id = b.Accounts.HubClientId; // generated for this install
        Assert.Matches("^obkhub-[a-z0-9]{12}$", id);
        using var hub = new MqttClientFactory().CreateMqttClient();
        await hub.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", b.Broker.Port).WithClientId(id)
            .WithCredentials(b.Accounts.Hub.Username, b.Accounts.Hub.Password).Build());
        // anonymous, Home Assistant's valid account, and the hub's user name with a wrong password
        string[][] attempts = [["-i", id], [.. b.AsHomeAssistant(), "-i", id], ["-u", "obkhub", "-P", "guess", "-i", id]];
        foreach (var attempt in attempts)
        {
            var (code, _) = await b.RunAsync("mosquitto_pub", [.. attempt, "-t", "x", "-m", "y"]);
            Assert.NotEqual(0, code);
        }
        Assert.True(hub.IsConnected);
        var stillUp = await hub.PingAsync().WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(t => t.IsCompletedSuccessfully);
        Assert.True(stillUp);
        Assert.True(b.Log.Has(LogLevel.Warning, $"client id '{id}' belongs to another account (takeover refused)"));
    }

    [Fact]
    public async Task A_retained_flood_from_one_plug_stops_at_its_budget()
    {
        await using var b = await SecuredBroker.StartAsync(new Options.EmbeddedBrokerOptions { Port = 0, ListenOnAllInterfaces = false, MaxRetainedBytesPerClient = 8 * 1024 });
        var (plug, pw) = b.Accounts.IssuePlug("obkA", null, null, "test");
        var kib = new string('x', 1024);
        for (var i = 0; i < 12; i++)
        {
            Assert.Equal(0, (await b.RunAsync("mosquitto_pub", [.. b.As(plug, pw), "-q", "1", "-r", "-t", $"obkA/junk{i}", "-m", kib])).Code);
        }
        Assert.InRange(b.Broker.Budgets.RetainedBy("obkA"), 7 * 1024, 8 * 1024);
        var (_, output) = await b.RunAsync("mosquitto_sub", [.. b.AsHomeAssistant(), "-t", "obkA/#", "-v", "-W", "2"]);
        Assert.Equal(8, output.Split('\n').Count(l => l.StartsWith("obkA/junk", StringComparison.Ordinal)));
        // clearing a retained topic frees its bytes
        Assert.Equal(0, (await b.RunAsync("mosquitto_pub", [.. b.As(plug, pw), "-q", "1", "-r", "-t", "obkA/junk0", "-n"])).Code);
        Assert.InRange(b.Broker.Budgets.RetainedBy("obkA"), 6 * 1024, 7 * 1024);
    }
}
