using System.Text.Json.Nodes;
using OpenBekenHub.Mqtt.Security;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Mqtt.Tests.Security;

/// <summary>The hub's client id in the accounts file: one per install, kept, replacing the old shared "obkhub".</summary>
public sealed class HubClientIdAccountTests : IDisposable
{
    private readonly TempDir _dir = new("clientid");

    private string AccountsFile => _dir.File(BrokerAccounts.FileName);

    [Fact]
    public void A_new_install_generates_its_own_id_and_keeps_it()
    {
        var first = BrokerAccounts.Open(AccountsFile, configuredClientId: null).HubClientId;
        Assert.Matches("^obkhub-[a-z0-9]{12}$", first);
        Assert.Equal(first, BrokerAccounts.Open(AccountsFile, null).HubClientId);
        Assert.Equal(first, BrokerAccounts.ReadExisting(AccountsFile).HubClientId);
        using var other = new TempDir("clientid-other");
        Assert.NotEqual(first, BrokerAccounts.Open(other.File(BrokerAccounts.FileName), null).HubClientId);
    }

    [Fact]
    public void An_install_from_before_gets_its_own_id_and_keeps_its_secrets()
    {
        var old = BrokerAccounts.Open(AccountsFile, BrokerAccounts.LegacyClientId);
        Assert.Equal("obkhub", old.HubClientId);
        var upgraded = BrokerAccounts.Open(AccountsFile, null);
        Assert.Matches("^obkhub-[a-z0-9]{12}$", upgraded.HubClientId);
        Assert.Equal((old.Hub.Password, old.HomeAssistant.Password), (upgraded.Hub.Password, upgraded.HomeAssistant.Password));
        var stored = JsonNode.Parse(File.ReadAllText(AccountsFile))!.AsArray().Select(a => a!["ClientId"]?.GetValue<string>()).OfType<string>();
        Assert.Contains(upgraded.HubClientId, stored);
    }

    [Fact]
    public void A_configured_id_wins_and_once_removed_the_install_has_its_own_again()
    {
        Assert.Matches("^obkhub-", BrokerAccounts.Open(AccountsFile, null).HubClientId);
        Assert.Equal("myhub", BrokerAccounts.Open(AccountsFile, "myhub").HubClientId);
        var withLogin = BrokerAccounts.Open(AccountsFile, null, ("hubuser", "a-long-secret"));
        Assert.Equal("hubuser", withLogin.Hub.Username);
        Assert.Matches("^obkhub-[a-z0-9]{12}$", withLogin.HubClientId);
    }

    [Fact]
    public void Nobody_but_the_hub_may_connect_with_its_id()
    {
        var accounts = BrokerAccounts.Open(AccountsFile, null);
        var gate = new BrokerGate(accounts);
        var (plug, password) = accounts.IssuePlug("obkA", null, null, "test");
        Assert.Equal(ConnectVerdict.Refused, gate.Decide(accounts.HubClientId, accounts.HomeAssistant.Username, accounts.HomeAssistant.Password, null, null).Verdict);
        Assert.Equal(ConnectVerdict.Refused, gate.Decide(accounts.HubClientId, plug.Username, password, null, null).Verdict);
        Assert.Equal(ConnectVerdict.Accepted, gate.Decide(accounts.HubClientId, accounts.Hub.Username, accounts.Hub.Password, null, null).Verdict);
        Assert.Throws<ArgumentException>(() => accounts.IssuePlug(accounts.HubClientId, null, null, "test"));
    }

    public void Dispose() => _dir.Dispose();
}
