using Microsoft.Extensions.Options;
using OpenBekenHub.Mqtt.Options;
using OpenBekenHub.Mqtt.Security;
using OpenBekenHub.Simulators.Plugs;

namespace OpenBekenHub.Demo;

/// <summary>
/// Gives simulated plugs their own broker account, as a flash by this hub would (the demo and the benchmarks run plugs
/// against the hub's embedded broker, which refuses anonymous clients by default).
/// </summary>
internal static class SimulatedPlugAccounts
{
    public static Func<PlugSettings, PlugSettings> Issue(IServiceProvider services, string source) =>
        Issue(services.GetRequiredService<IOptions<MqttOptions>>().Value.Embedded.Accounts, services.GetRequiredService<BrokerAccounts>(), source);

    /// <summary>With <paramref name="enabled"/> off (an open broker) plugs log in without an account, as before.</summary>
    public static Func<PlugSettings, PlugSettings> Issue(bool enabled, BrokerAccounts accounts, string source) => plug =>
    {
        if (!enabled)
        {
            return plug;
        }
        var (account, password) = accounts.IssuePlug(plug.ClientTopic, plug.FriendlyName, plug.GroupTopic, source);
        return plug with { Username = account.Username, Password = password };
    };
}
