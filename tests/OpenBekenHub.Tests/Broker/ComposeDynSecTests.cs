using System.Net.Http.Json;
using OpenBekenHub.Hosting;
using OpenBekenHub.Mqtt;
using OpenBekenHub.Mqtt.Security;
using OpenBekenHub.Tests.Support;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Tests.Broker;

/// <summary>The compose stack's Mosquitto (dynamic security, no anonymous access) administered by the hub.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ComposeDynSecTests
{
    [Fact]
    public async Task Compose_mosquitto_refuses_anonymous_clients()
    {
        await using var broker = await ComposeMosquitto.StartAsync();
        var (code, output) = await broker.RunAsync("mosquitto_pub", "-t", "obkA/1/set", "-m", "1");
        Assert.NotEqual(0, code);
        Assert.Contains("not authorised", output, StringComparison.OrdinalIgnoreCase);
        // re-running the init changes nothing (same secret)
        var before = broker.AdminPassword;
        Assert.Equal(24, before.Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(broker.SecretFile));
    }

    [Fact]
    public async Task The_hub_creates_its_own_Home_Assistants_and_each_plugs_client_with_the_same_topic_rules()
    {
        await using var broker = await ComposeMosquitto.StartAsync();
        await using var hub = await HubHost.StartAsync(
            "--Mqtt:Host=127.0.0.1", $"--Mqtt:Port={broker.PortText}", "--Mqtt:DynSec:Username=admin", $"--Mqtt:DynSec:PasswordFile={broker.SecretFile}");
        await Eventually.TrueAsync(() => hub.Service<OpenBekenBridge>().IsConnected, TimeSpan.FromSeconds(30),
            "the hub's bridge logs in with the client it created in dynamic security");

        using var http = await hub.LoggedInClientAsync();
        var state = await http.GetFromJsonAsync<BrokerState>("/api/broker");
        Assert.Equal(new BrokerState("external", false, null), state);
        var ha = (await http.GetFromJsonAsync<HomeAssistantAccount>("/api/broker/accounts/homeassistant"))!;
        Assert.Equal(("127.0.0.1", broker.Port, "homeassistant"), (ha.Host, ha.Port, ha.Username));

        var issuer = hub.Service<IPlugCredentialIssuer>();
        var a = (await issuer.IssueForAsync("obkA", "OpenBK7231N_A", "bekens_n", null, CancellationToken.None))!.Value;
        var b = (await issuer.IssueForAsync("obkB", "OpenBK7231N_B", "bekens_n", null, CancellationToken.None))!.Value;
        string[] asA = ["-u", a.Username, "-P", a.Password, "-i", "obkA"];
        string[] asHa = ["-u", ha.Username, "-P", ha.Password];

        await using var watcher = broker.Client("mosquitto_sub", [.. asHa, "-t", "#", "-v"]);
        await using var plugB = broker.Client("mosquitto_sub", ["-u", b.Username, "-P", b.Password, "-i", "obkB", "-t", "obkB/+/set", "-v"]);
        // HA's own subscription is in place once it sees a retained message of the hub (its bridge state)
        await Eventually.TrueAsync(() => watcher.Output.Contains("obkhub/bridge/state online", StringComparison.Ordinal), TimeSpan.FromSeconds(15), "HA reads everything");

        foreach (var (topic, payload) in new[] { ("obkB/mac", "evil"), ("stat/obkB/STATUS5", "evil"), ("obkA/1/set", "evil") })
        {
            Assert.Equal(0, (await broker.RunAsync("mosquitto_pub", [.. asA, "-q", "1", "-t", topic, "-m", payload])).Code);
        }
        foreach (var topic in new[] { "obkB/1/get", "obkB/connected" })
        {
            Assert.Equal(0, (await broker.RunAsync("mosquitto_pub", [.. asHa, "-q", "1", "-t", topic, "-m", "evil"])).Code);
        }
        Assert.Equal(0, (await broker.RunAsync("mosquitto_pub", [.. asA, "-q", "1", "-t", "obkA/mac", "-m", "good"])).Code);
        await Eventually.TrueAsync(async () =>
        {
            await broker.RunAsync("mosquitto_pub", [.. asHa, "-q", "1", "-t", "obkB/1/set", "-m", "1"]);
            return plugB.Output.Contains("obkB/1/set 1", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(15), "HA's command reaches plug B");
        await Eventually.TrueAsync(() => watcher.Output.Contains("obkA/mac good", StringComparison.Ordinal), because: "plug A's own publish arrives");
        Assert.DoesNotContain("evil", watcher.Output, StringComparison.Ordinal);

        // a plug may not read everything, nor use another plug's name
        var (_, denied) = await broker.RunAsync("mosquitto_sub", [.. asA, "-t", "#", "-C", "1", "-W", "3"]);
        Assert.Contains("denied", denied, StringComparison.OrdinalIgnoreCase);
        var (wrongId, _) = await broker.RunAsync("mosquitto_pub", ["-u", a.Username, "-P", a.Password, "-i", "obkB", "-t", "obkA/x", "-m", "1"]);
        Assert.NotEqual(0, wrongId);
    }

    [Fact]
    public async Task Plug_clients_pushed_in_batches_log_in_with_their_own_accounts_and_an_existing_one_gets_its_new_password()
    {
        await using var broker = await ComposeMosquitto.StartAsync();
        await using var hub = await HubHost.StartAsync(
            "--Mqtt:Host=127.0.0.1", $"--Mqtt:Port={broker.PortText}", "--Mqtt:DynSec:Username=admin", $"--Mqtt:DynSec:PasswordFile={broker.SecretFile}");
        await Eventually.TrueAsync(() => hub.Service<OpenBekenBridge>().IsConnected, TimeSpan.FromSeconds(30), "the hub is in dynamic security");
        var accounts = hub.Service<BrokerAccounts>();
        var sync = hub.Service<DynSecSync>();
        var first = accounts.IssuePlug("obkP0", null, "bekens_n", "test");
        await sync.PushPlugAsync(first.Account, first.Password, CancellationToken.None);

        // five plugs in batches of two (three control messages); obkP0 exists already and is re-issued
        var issued = accounts.IssuePlugs(Enumerable.Range(0, 5).Select(i => ($"obkP{i}", (string?)null, (string?)"bekens_n")), "test");
        await sync.PushPlugsAsync(issued, CancellationToken.None, batchSize: 2);
        foreach (var (account, password) in issued)
        {
            string[] asPlug = ["-u", account.Username, "-P", password, "-i", account.Username];
            Assert.Equal(0, (await broker.RunAsync("mosquitto_pub", [.. asPlug, "-q", "1", "-t", $"{account.Username}/connected", "-m", "online"])).Code);
            // the role came with it: another plug's topic is not this one's
            var (_, other) = await broker.RunAsync("mosquitto_sub", [.. asPlug, "-t", "obkQ/+/set", "-C", "1", "-W", "2"]);
            Assert.Contains("denied", other, StringComparison.OrdinalIgnoreCase);
        }
        var (stale, _) = await broker.RunAsync("mosquitto_pub", ["-u", "obkP0", "-P", first.Password, "-i", "obkP0", "-t", "obkP0/x", "-m", "1"]);
        Assert.NotEqual(0, stale);

        // the hub connects with its install's own id; a plug's account cannot use it (dynsec binds plugs to their id)
        Assert.Matches("^obkhub-[a-z0-9]{12}$", hub.Service<OpenBekenBridge>().Connection.Endpoint.ClientId);
        var (takeover, _) = await broker.RunAsync("mosquitto_pub", ["-u", "obkP1", "-P", issued[1].Password, "-i", accounts.HubClientId, "-t", "obkP1/x", "-m", "1"]);
        Assert.NotEqual(0, takeover);
        Assert.True(hub.Service<OpenBekenBridge>().IsConnected);
    }
}
