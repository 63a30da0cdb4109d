using System.Globalization;
using System.Text.Json.Nodes;
using OpenBekenHub.Hosting;
using OpenBekenHub.Mqtt;
using OpenBekenHub.Mqtt.Security;
using OpenBekenHub.Tests.Support;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Tests.Broker;

/// <summary>
/// The hub's own MQTT client id: generated once per install and kept with the broker accounts, bound to the hub's
/// account (nobody else may connect with it), while Home Assistant's hub device keeps its id across the upgrade.
/// </summary>
public sealed class HubClientIdTests
{
    [Fact]
    public async Task Each_install_has_its_own_client_id_kept_across_restarts_and_nobody_else_may_use_it()
    {
        using var data = new TempDir("hub-clientid");
        string first;
        await using (var hub = await HubHost.StartAsync(data))
        {
            first = hub.Service<BrokerAccounts>().HubClientId;
            Assert.Matches("^obkhub-[a-z0-9]{12}$", first);
            var bridge = hub.Service<OpenBekenBridge>();
            await Eventually.TrueAsync(() => bridge.IsConnected, TimeSpan.FromSeconds(20), "the hub logs in to its embedded broker");
            Assert.Equal(first, bridge.Connection.Endpoint.ClientId);

            // Home Assistant's valid account with the hub's client id: refused, logged, and the hub stays on
            var port = hub.Service<EmbeddedBrokerService>().Broker!.Port.ToString(CultureInfo.InvariantCulture);
            var (user, password) = hub.HomeAssistant();
            await using (var takeover = ExternalProcess.Start("mosquitto_pub", "-h", "127.0.0.1", "-p", port, "-u", user, "-P", password, "-i", first, "-t", "x", "-m", "1"))
            {
                Assert.NotEqual(0, await takeover.WaitForExitAsync(TimeSpan.FromSeconds(10)));
            }
            var refused = Assert.Single(hub.Service<BrokerGate>().Refused.Snapshot(), r => r.ClientId == first);
            Assert.Contains("takeover refused", refused.Reason, StringComparison.Ordinal);
            Assert.False(hub.Service<OpenBekenHub.Hosting.BrokerAdmin>().CanApprove(first)); // no Approve button for the hub's own id
            // (the warning line itself: EmbeddedBrokerSecurityTests, with the broker's log recorded)
            Assert.True(bridge.IsConnected);
            Assert.Equal(1, bridge.Connection.ConnectCount);
        }
        await using (var again = await HubHost.StartAsync(data))
        {
            Assert.Equal(first, again.Service<BrokerAccounts>().HubClientId);
        }
        await using var other = await HubHost.StartAsync();
        Assert.NotEqual(first, other.Service<BrokerAccounts>().HubClientId);
    }

    [Fact]
    public async Task An_upgraded_install_gets_its_own_client_id_keeps_its_accounts_and_Home_Assistant_keeps_its_hub_device()
    {
        using var data = new TempDir("hub-upgrade");
        // the accounts file as hubs wrote it while every hub connected as "obkhub"
        var path = Path.Combine(data.Path, BrokerAccounts.FileName);
        var old = BrokerAccounts.Open(path, BrokerAccounts.LegacyClientId);
        var (_, plugPassword) = old.IssuePlug("obkOLD", "OpenBK7231N_OLD", null, "flash");
        Assert.Equal("obkhub", JsonNode.Parse(await File.ReadAllTextAsync(path))!.AsArray().Single(a => a!["Kind"]!.ToString() is "0" or "Hub")!["ClientId"]!.GetValue<string>());

        await using var hub = await HubHost.StartAsync(data);
        var accounts = hub.Service<BrokerAccounts>();
        Assert.Matches("^obkhub-[a-z0-9]{12}$", accounts.HubClientId);
        Assert.Equal(old.HomeAssistant.Password, accounts.HomeAssistant.Password);
        Assert.Equal(old.Hub.Password, accounts.Hub.Password);
        Assert.NotNull(accounts.Verify("obkOLD", plugPassword));
        var bridge = hub.Service<OpenBekenBridge>();
        await Eventually.TrueAsync(() => bridge.IsConnected, TimeSpan.FromSeconds(20), "the upgraded hub logs in with its new client id");

        // Home Assistant sees the same hub device ("obkhub") and the hub's state under the same topic
        var port = hub.Service<EmbeddedBrokerService>().Broker!.Port.ToString(CultureInfo.InvariantCulture);
        var (user, password) = hub.HomeAssistant();
        await Eventually.TrueAsync(async () =>
        {
            await using var ha = ExternalProcess.Start("mosquitto_sub", "-h", "127.0.0.1", "-p", port, "-u", user, "-P", password,
                "-t", "homeassistant/device/obkhub/config", "-t", "obkhub/bridge/state", "-v", "-C", "2", "-W", "3");
            await ha.WaitForExitAsync(TimeSpan.FromSeconds(5));
            return ha.Output.Contains("obkhub/bridge/state online", StringComparison.Ordinal)
                && ha.Output.Contains("\"ids\":[\"obkhub\"]", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(20), "HA's hub device keeps its id and the hub's state topic");

        Assert.Equal(accounts.HubClientId, bridge.Connection.Endpoint.ClientId);
    }

    [Fact]
    public async Task A_configured_client_id_wins_and_stays_the_hub_id()
    {
        await using var hub = await HubHost.StartAsync("--Mqtt:ClientId=myhub");
        Assert.Equal("myhub", hub.Service<BrokerAccounts>().HubClientId);
        var bridge = hub.Service<OpenBekenBridge>();
        await Eventually.TrueAsync(() => bridge.IsConnected, TimeSpan.FromSeconds(20), "the hub logs in as myhub");
        Assert.Equal(("myhub", "myhub"), (bridge.Connection.Endpoint.ClientId, bridge.Connection.Endpoint.HubId));
    }
}
