using OpenBekenHub.Mqtt.Security;
using OpenBekenHub.TestKit;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Configs;

/// <summary>
/// Plays Home Assistant on a hub's embedded broker: its own account, subscribed to <c>homeassistant/#</c> and the hub's
/// per-device topics (<c>obkhub/devices/#</c>), records all it receives.
/// </summary>
internal static class HomeAssistantProbe
{
    public static Task<MqttProbe> ConnectAsync(HubHost hub)
    {
        var ha = hub.Service<BrokerAccounts>().HomeAssistant;
        var port = hub.Service<OpenBekenHub.Hosting.EmbeddedBrokerService>().Broker!.Port;
        return MqttProbe.ConnectAsync(port, (ha.Username, ha.Password!), "homeassistant/#", "obkhub/devices/#");
    }
}
