namespace OpenBekenHub.Mqtt.Options;

/// <summary>
/// Broker settings, bound from the "Mqtt" configuration section. With <see cref="Host"/> empty the hub runs its own
/// embedded broker (<see cref="Embedded"/>) and connects to it; with a host it connects to that broker instead.
/// Keys are part of the public contract: Mqtt:Host, Mqtt:Port, Mqtt:Username, Mqtt:Password, Mqtt:UseTls,
/// Mqtt:ClientId, Mqtt:Embedded:*, Mqtt:DynSec:*.
/// </summary>
public sealed class MqttOptions
{
    public const string SectionName = "Mqtt";

    public string? Host { get; set; }

    public int Port { get; set; } = 1883;

    public string? Username { get; set; }

    public string? Password { get; set; }

    public bool UseTls { get; set; }

    /// <summary>
    /// Set: the MQTT client id the hub connects with (for brokers whose rules name it). Empty: the install's own
    /// generated id (kept with the broker accounts in the data directory). Either way <see cref="HubId"/> follows it.
    /// </summary>
    public string? ClientId { get; set; }

    /// <summary>The hub's Home Assistant device id and the base of its own topics: <c>Mqtt:ClientId</c>, else <c>obkhub</c> (as before client ids were per install, so Home Assistant keeps its hub device).</summary>
    public string HubId => string.IsNullOrWhiteSpace(ClientId) ? DefaultHubId : ClientId;

    public const string DefaultHubId = "obkhub";

    public EmbeddedBrokerOptions Embedded { get; set; } = new();

    /// <summary>Admin client of an external Mosquitto's dynamic-security plugin; set, the hub keeps the plug/HA accounts there.</summary>
    public DynSecOptions DynSec { get; set; } = new();

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
        if (ClientId is not null && (string.IsNullOrWhiteSpace(ClientId) || ClientId.Length > 64))
        {
            yield return "Mqtt:ClientId must be 1-64 characters (or unset: the install's own id)";
        }
        if (!string.IsNullOrEmpty(Password) && string.IsNullOrEmpty(Username))
        {
            yield return "Mqtt:Password is set but Mqtt:Username is empty";
        }
        if (!string.IsNullOrEmpty(Embedded.Password) && string.IsNullOrEmpty(Embedded.Username))
        {
            yield return "Mqtt:Embedded:Password is set but Mqtt:Embedded:Username is empty";
        }
        if (!string.IsNullOrWhiteSpace(Embedded.Address) && !System.Net.IPAddress.TryParse(Embedded.Address, out _))
        {
            yield return $"Mqtt:Embedded:Address must be an IP address such as 0.0.0.0, 127.0.0.1 or :: (got '{Embedded.Address}')";
        }
        if (Embedded.MaxPacketSize is < 4096 or > 256 * 1024 * 1024)
        {
            yield return $"Mqtt:Embedded:MaxPacketSize must be 4096-268435456 bytes (got {Embedded.MaxPacketSize})";
        }
        if (Embedded.MaxRetainedBytesPerClient < 1024)
        {
            yield return $"Mqtt:Embedded:MaxRetainedBytesPerClient must be at least 1024 (got {Embedded.MaxRetainedBytesPerClient})";
        }
        if (Embedded.MaxQueuedBytesPerClient < Embedded.MaxPacketSize)
        {
            yield return $"Mqtt:Embedded:MaxQueuedBytesPerClient must be at least Mqtt:Embedded:MaxPacketSize (got {Embedded.MaxQueuedBytesPerClient})";
        }
        if (!string.IsNullOrEmpty(DynSec.PasswordFile) && string.IsNullOrEmpty(DynSec.Password))
        {
            yield return $"Mqtt:DynSec:PasswordFile '{DynSec.PasswordFile}' cannot be read or is empty";
        }
        if (string.IsNullOrEmpty(DynSec.Username) != string.IsNullOrEmpty(DynSec.Password))
        {
            yield return "Mqtt:DynSec:Username and Mqtt:DynSec:Password (or PasswordFile) must be set together";
        }
        if (!string.IsNullOrEmpty(DynSec.Username) && UsesEmbeddedBroker)
        {
            yield return "Mqtt:DynSec:Username is set but Mqtt:Host is empty (dynamic security is for an external Mosquitto)";
        }
    }
}

public sealed class EmbeddedBrokerOptions
{
    /// <summary>TCP port of the embedded broker (0 picks a free one; tests use that).</summary>
    public int Port { get; set; } = 1883;

    /// <summary>Listen on all interfaces (plugs on the LAN must reach it) or loopback only; <see cref="Address"/> wins when set.</summary>
    public bool ListenOnAllInterfaces { get; set; } = true;

    /// <summary>Bind address (e.g. the LAN address the plugs use, or 127.0.0.1). Empty: 0.0.0.0, or loopback without <see cref="ListenOnAllInterfaces"/>.</summary>
    public string? Address { get; set; }

    /// <summary>
    /// Accounts and topic rules (hub, Home Assistant, one per plug). On by default; false brings back an open broker
    /// (anonymous clients, no topic rules) and is logged as a warning.
    /// </summary>
    public bool Accounts { get; set; } = true;

    /// <summary>
    /// Largest MQTT packet a client may send. OpenBeken's largest legitimate publishes (HA discovery configs, STATUS
    /// JSON) are 1-3 KiB and its own receive buffer is 4 KiB, so 256 KiB leaves room for Home Assistant and tools
    /// while a flood cannot make the broker allocate megabytes.
    /// </summary>
    public int MaxPacketSize { get; set; } = 256 * 1024;

    /// <summary>Retained bytes one account may keep on the broker (a plug's connected flag and discovery configs are a few KiB).</summary>
    public long MaxRetainedBytesPerClient { get; set; } = 256 * 1024;

    /// <summary>Bytes queued towards one client before further messages to it are dropped (a stalled subscriber cannot eat memory).</summary>
    public long MaxQueuedBytesPerClient { get; set; } = 64L * 1024 * 1024;

    /// <summary>Overrides the hub's generated account name (with <see cref="Password"/>).</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }
}

public sealed class DynSecOptions
{
    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>A file holding the admin password (the compose stack's generated secret); read at start when <see cref="Password"/> is empty.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>Fills <see cref="Password"/> from <see cref="PasswordFile"/>; validation reports a file that gave nothing.</summary>
    public void LoadPasswordFile()
    {
        if (string.IsNullOrEmpty(Password) && !string.IsNullOrEmpty(PasswordFile))
        {
            try
            {
                Password = File.ReadAllText(PasswordFile).Trim();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Password = null;
            }
        }
    }

    public bool Enabled => !string.IsNullOrEmpty(Username);
}
