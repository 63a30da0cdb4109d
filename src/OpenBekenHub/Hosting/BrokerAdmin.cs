using System.Net;
using Microsoft.Extensions.Options;
using OpenBekenHub.Mqtt.Options;
using OpenBekenHub.Mqtt.Security;

namespace OpenBekenHub.Hosting;

public sealed record BrokerState(string Mode, bool? Anonymous, DateTimeOffset? PermitJoinUntil);

public sealed record HomeAssistantAccount(string Host, int Port, string Username, string Password);

/// <summary>One place for what the broker API, the Settings page and the dashboard show and change.</summary>
public sealed class BrokerAdmin(IOptions<MqttOptions> mqtt, BrokerAccounts accounts, BrokerGate gate, EmbeddedBrokerService embedded)
{
    public const int MaxPermitJoinMinutes = 24 * 60;

    public bool Embedded => mqtt.Value.UsesEmbeddedBroker;

    /// <summary>Permit-join and refusals exist where the hub is the broker's gatekeeper: the embedded broker with accounts.</summary>
    public bool HasGate => Embedded && mqtt.Value.Embedded.Accounts;

    public BrokerState State() => new(
        Embedded ? "embedded" : "external",
        // external without dynsec: whether that broker takes anonymous clients is its own configuration
        Embedded ? !mqtt.Value.Embedded.Accounts : mqtt.Value.DynSec.Enabled ? false : null,
        HasGate ? gate.PermitJoinUntil : null);

    /// <summary>Opens the window for <paramref name="minutes"/> (0 closes it).</summary>
    public BrokerState PermitJoin(int minutes)
    {
        if (!HasGate)
        {
            throw new InvalidOperationException("Permit-join needs the embedded broker with accounts (with an external broker, add accounts there).");
        }
        if (minutes is < 0 or > MaxPermitJoinMinutes)
        {
            throw new ArgumentOutOfRangeException(nameof(minutes), $"minutes must be 0-{MaxPermitJoinMinutes}");
        }
        gate.PermitJoin(TimeSpan.FromMinutes(minutes));
        return State();
    }

    /// <summary>What to paste into Home Assistant's MQTT integration (see <see cref="HomeAssistantFor"/>).</summary>
    public HomeAssistantAccount HomeAssistant(string? requestHost) =>
        HomeAssistantFor(mqtt.Value, embedded.Broker?.Port, accounts, requestHost);

    /// <summary>
    /// The one answer for the API, the Settings page and <c>obkhub broker ha-credentials</c>. The host is the external
    /// broker (the caller's address for the hub instead when the broker is a container's one-label service name), the embedded broker's bind address when it is a specific one, else <paramref name="requestHost"/> (the
    /// address the caller reached the hub on) or this machine's name; the port is the external broker's, or the
    /// embedded broker's bound port (<paramref name="boundPort"/>, when it runs) or configured one.
    /// </summary>
    public static HomeAssistantAccount HomeAssistantFor(MqttOptions o, int? boundPort, BrokerAccounts accounts, string? requestHost)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(accounts);
        string host;
        if (!o.UsesEmbeddedBroker)
        {
            // a one-label name ("mosquitto" in the compose stack) is a container's service name that Home Assistant
            // cannot resolve; the broker's port is published on the machine the caller reached the hub on
            host = IsServiceName(o.Host!) && !string.IsNullOrEmpty(requestHost) ? requestHost : o.Host!;
        }
        else if (IPAddress.TryParse(o.Embedded.Address, out var bound) && !bound.Equals(IPAddress.Any) && !bound.Equals(IPAddress.IPv6Any))
        {
            host = bound.ToString();
        }
        else
        {
            host = string.IsNullOrEmpty(requestHost) ? Environment.MachineName : requestHost;
        }
        var port = o.UsesEmbeddedBroker ? boundPort ?? o.Embedded.Port : o.Port;
        return new HomeAssistantAccount(host, port, accounts.HomeAssistant.Username, accounts.HomeAssistant.Password!);
    }

    private static bool IsServiceName(string host) =>
        !host.Contains('.', StringComparison.Ordinal) && !IPAddress.TryParse(host, out _) && !host.Equals("localhost", StringComparison.OrdinalIgnoreCase);

    public IReadOnlyList<RefusedClient> Refused() => HasGate ? gate.Refused.Snapshot() : [];

    public bool Approve(string clientId) => HasGate && gate.Approve(clientId);

    /// <summary>Whether Approve would admit it: the hub's own id or a flashed plug's never are.</summary>
    public bool CanApprove(string clientId) => HasGate && gate.IsJoinable(clientId);
}
