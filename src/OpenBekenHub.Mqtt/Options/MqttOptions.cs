namespace OpenBekenHub.Mqtt.Options;

/// <summary>
/// Broker settings, bound from the "Mqtt" configuration section. With <see cref="Host"/> empty the hub runs its own
/// embedded broker (<see cref="Embedded"/>) and connects to it; with a host it connects to that broker instead.
/// Keys are part of the public contract: Mqtt:Host, Mqtt:Port, Mqtt:Username, Mqtt:Password, Mqtt:UseTls,
/// Mqtt:ClientId, Mqtt:Embedded:Port, Mqtt:Embedded:Username, Mqtt:Embedded:Password.
/// </summary>
public sealed class MqttOptions
{
    public const string SectionName = "Mqtt";

    public string? Host { get; set; }

    public int Port { get; set; } = 1883;

    public string? Username { get; set; }

    public string? Password { get; set; }

    public bool UseTls { get; set; }

    public string ClientId { get; set; } = "obkhub";

    public EmbeddedBrokerOptions Embedded { get; set; } = new();

    /// <summary>True when no external broker is configured and the hub hosts its own.</summary>
    public bool UsesEmbeddedBroker => string.IsNullOrWhiteSpace(Host);

    /// <summary>Where the bridge connects: the external broker, or the embedded one on loopback.</summary>
    public (string Host, int Port, string? Username, string? Password, bool UseTls) Effective =>
        UsesEmbeddedBroker
            ? ("127.0.0.1", Embedded.Port, Embedded.Username, Embedded.Password, false)
            : (Host!, Port, Username, Password, UseTls);

    /// <summary>Returns one line per problem, naming the configuration key.</summary>
    public IEnumerable<string> Validate()
    {
        if (Port is < 1 or > 65535)
        {
            yield return $"Mqtt:Port must be 1-65535 (got {Port})";
        }
        if (Embedded.Port is < 0 or > 65535)
        {
            yield return $"Mqtt:Embedded:Port must be 0-65535 (got {Embedded.Port})";
        }
        if (string.IsNullOrWhiteSpace(ClientId) || ClientId.Length > 64)
        {
            yield return "Mqtt:ClientId must be 1-64 characters";
        }
        if (!string.IsNullOrEmpty(Password) && string.IsNullOrEmpty(Username))
        {
            yield return "Mqtt:Password is set but Mqtt:Username is empty";
        }
        if (!string.IsNullOrEmpty(Embedded.Password) && string.IsNullOrEmpty(Embedded.Username))
        {
            yield return "Mqtt:Embedded:Password is set but Mqtt:Embedded:Username is empty";
        }
    }
}

public sealed class EmbeddedBrokerOptions
{
    /// <summary>TCP port of the embedded broker (0 picks a free one; tests use that).</summary>
    public int Port { get; set; } = 1883;

    /// <summary>Listen on all interfaces (plugs on the LAN must reach it) or loopback only.</summary>
    public bool ListenOnAllInterfaces { get; set; } = true;

    public string? Username { get; set; }

    public string? Password { get; set; }
}
