namespace OpenBekenHub.Mqtt.Security;

public enum AccountKind
{
    /// <summary>The hub's own bridge client: unrestricted.</summary>
    Hub,

    /// <summary>Home Assistant: reads everything, writes only commands and its birth message.</summary>
    HomeAssistant,

    /// <summary>One OpenBeken plug; username = its client topic.</summary>
    Plug,
}

/// <summary>
/// A broker account. Plug passwords are kept only as a SHA-256 hash (they are 128-bit random, so a fast hash is
/// enough and a reconnect storm of thousands of plugs costs microseconds, not PBKDF2 seconds); the hub's and Home
/// Assistant's passwords are kept because the hub connects with one and shows the other.
/// </summary>
public sealed record BrokerAccount
{
    public required string Username { get; init; }

    public required AccountKind Kind { get; init; }

    /// <summary>Clear password (hub and Home Assistant only).</summary>
    public string? Password { get; init; }

    /// <summary>Base64 SHA-256 of the password (plugs).</summary>
    public string? PasswordHash { get; init; }

    /// <summary>Group topic the plug may listen on (OpenBeken default <c>bekens_n</c> / <c>bekens_t</c>), if known.</summary>
    public string? GroupTopic { get; init; }

    /// <summary>OpenBeken long device name: its own HA discovery unique ids start with it (openbeken.md §2.5).</summary>
    public string? DeviceName { get; init; }

    /// <summary>Where the account came from: flash, permit-join, approval, demo, manual.</summary>
    public string Source { get; init; } = "manual";

    public DateTimeOffset Created { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>Set once the plug connected with these credentials (a joined plug is confirmed after it moved to them).</summary>
    public DateTimeOffset? Confirmed { get; init; }

    /// <summary>The MQTT client id this account must use (plugs: the client topic; the hub: its install's generated id, or Mqtt:ClientId); null = any.</summary>
    public string? ClientId { get; init; }
}
