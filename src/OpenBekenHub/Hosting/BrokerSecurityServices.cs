using Microsoft.Extensions.Options;
using OpenBekenHub.Mqtt.Options;
using OpenBekenHub.Mqtt.Security;

namespace OpenBekenHub.Hosting;

/// <summary>Broker accounts (file in the data directory), the connect gate, the plug credential issuer and the dynsec sync.</summary>
internal static class BrokerSecurityServices
{
    public static IServiceCollection AddBrokerSecurity(this IServiceCollection services, HubOptions hub, IConfiguration configuration)
    {
        services.AddSingleton(_ =>
        {
            // raw configuration, not IOptions<MqttOptions>: the options' post-configuration below reads these accounts
            var raw = configuration.GetSection(MqttOptions.SectionName).Get<MqttOptions>() ?? new MqttOptions();
            (string, string)? configured = raw.UsesEmbeddedBroker && !string.IsNullOrEmpty(raw.Embedded.Username)
                ? (raw.Embedded.Username, raw.Embedded.Password ?? "")
                : null;
            try
            {
                return BrokerAccounts.Open(Path.Combine(hub.FullDataDirectory, BrokerAccounts.FileName), raw.ClientId, configured);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // an unusable data directory: Hub:DataDirectory's validation stops the start with the line that names it
                return BrokerAccounts.Open(null, raw.ClientId, configured);
            }
        });
        services.AddSingleton(sp => new BrokerGate(sp.GetRequiredService<BrokerAccounts>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<BrokerGate>()));
        services.AddSingleton<IPlugCredentialIssuer, PlugCredentialIssuer>();
        services.AddSingleton<BrokerAdmin>();
        // the hub's bridge logs in to its own embedded broker with the hub account
        services.AddOptions<MqttOptions>().PostConfigure<BrokerAccounts>((o, accounts) =>
        {
            o.DynSec.LoadPasswordFile();
            if (o.UsesEmbeddedBroker && o.Embedded.Accounts)
            {
                o.Embedded.Username = accounts.Hub.Username;
                o.Embedded.Password = accounts.Hub.Password;
            }
            else if (!o.UsesEmbeddedBroker && o.DynSec.Enabled && string.IsNullOrEmpty(o.Username))
            {
                // the hub creates its own client in dynsec (DynSecSync) and connects with it; the admin only administers
                o.Username = accounts.Hub.Username;
                o.Password = accounts.Hub.Password;
            }
        });
        services.AddSingleton<DynSecSync>();
        services.AddHostedService(sp => sp.GetRequiredService<DynSecSync>());
        return services;
    }

    private sealed class PlugCredentialIssuer(BrokerAccounts accounts, IOptions<MqttOptions> mqtt, DynSecSync dynsec) : IPlugCredentialIssuer
    {
        public async Task<(string Username, string Password)?> IssueForAsync(string clientTopic, string? deviceName, string? groupTopic, string? issueKey, CancellationToken ct)
        {
            var o = mqtt.Value;
            if (!(o.UsesEmbeddedBroker ? o.Embedded.Accounts : o.DynSec.Enabled))
            {
                return null;
            }
            var (account, password) = accounts.IssuePlug(clientTopic, deviceName, groupTopic, "flash", issueKey);
            if (!o.UsesEmbeddedBroker)
            {
                // the plug must not get credentials the broker does not know yet
                await dynsec.PushPlugAsync(account, password, ct);
            }
            return (account.Username, password);
        }
    }
}
