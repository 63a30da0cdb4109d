using OpenBekenHub.Mqtt.Security;
using OpenBekenHub.Simulators.Plugs;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Broker;

/// <summary>How tests get onto a hub's embedded broker now that it has accounts: as Home Assistant, or as plugs the hub issued accounts to.</summary>
public static class BrokerTestAccess
{
    public static (string Username, string Password) HomeAssistant(this HubHost hub)
    {
        var ha = hub.Service<BrokerAccounts>().HomeAssistant;
        return (ha.Username, ha.Password!);
    }

    /// <summary>A fleet customisation that gives every simulated plug its own account, as a flash by this hub would.</summary>
    public static Func<PlugSettings, PlugSettings> WithOwnAccounts(this HubHost hub) => plug =>
    {
        var (account, password) = hub.Service<BrokerAccounts>().IssuePlug(plug.ClientTopic, plug.FriendlyName, plug.GroupTopic, "test");
        return plug with { Username = account.Username, Password = password };
    };
}
