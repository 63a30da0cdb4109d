namespace OpenBekenHub.Mqtt.Options;

/// <summary>
/// Bridge settings, section "Bridge": Bridge:CommandTimeout, Bridge:DeviceHttpPort, Bridge:UseHttpForConsole,
/// Bridge:DeviceWebPassword, Bridge:AvailabilityWindow, Bridge:MaxUnconfirmedDevices, Bridge:UnconfirmedIdle,
/// Bridge:MaxForgottenDevices.
/// </summary>
public sealed class BridgeOptions
{
    public const string SectionName = "Bridge";

    /// <summary>How long to wait for a device to confirm a command (and for its HTTP reply).</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Port of the plugs' HTTP server (the firmware uses 80).</summary>
    public int DeviceHttpPort { get; set; } = 80;

    /// <summary>Run console commands over HTTP <c>/cm</c> when the device's IP is known (every command gets a reply there).</summary>
    public bool UseHttpForConsole { get; set; } = true;

    /// <summary>Web password of the plugs (Basic auth user <c>admin</c>), if they have one. Sent only to the IP a plug reported itself.</summary>
    public string? DeviceWebPassword { get; set; }

    /// <summary>
    /// After the hub (re)connects, a plug that says nothing within this window (its LWT, its traffic, or its answer to
    /// the hub's <c>publishChannels</c> request) is offline. Longer than the firmware's 15-16 s reconnect interval.
    /// </summary>
    public TimeSpan AvailabilityWindow { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Client topics seen but not adopted yet (no MAC or no <c>connected</c> yet); more are refused and logged.</summary>
    public int MaxUnconfirmedDevices { get; set; } = 1000;

    /// <summary>Unconfirmed client topics silent this long are dropped.</summary>
    public TimeSpan UnconfirmedIdle { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Forgotten devices kept for the "seen but forgotten" list; the oldest go first.</summary>
    public int MaxForgottenDevices { get; set; } = 1000;

    /// <summary>Returns one line per problem, naming the configuration key.</summary>
    public IEnumerable<string> Validate()
    {
        if (CommandTimeout <= TimeSpan.Zero || CommandTimeout > TimeSpan.FromMinutes(2))
        {
            yield return $"Bridge:CommandTimeout must be between 0 and 2 minutes (got {CommandTimeout})";
        }
        if (DeviceHttpPort is < 1 or > 65535)
        {
            yield return $"Bridge:DeviceHttpPort must be 1-65535 (got {DeviceHttpPort})";
        }
        if (AvailabilityWindow < TimeSpan.FromMilliseconds(100) || AvailabilityWindow > TimeSpan.FromMinutes(10))
        {
            yield return $"Bridge:AvailabilityWindow must be 0.1 s - 10 min (got {AvailabilityWindow})";
        }
        if (MaxUnconfirmedDevices is < 1 or > 1_000_000)
        {
            yield return $"Bridge:MaxUnconfirmedDevices must be 1-1000000 (got {MaxUnconfirmedDevices})";
        }
        if (UnconfirmedIdle < TimeSpan.FromSeconds(1))
        {
            yield return $"Bridge:UnconfirmedIdle must be at least 1 s (got {UnconfirmedIdle})";
        }
        if (MaxForgottenDevices is < 0 or > 1_000_000)
        {
            yield return $"Bridge:MaxForgottenDevices must be 0-1000000 (got {MaxForgottenDevices})";
        }
    }
}
