using OpenBekenHub.Provisioning.Identity;
using OpenBekenHub.Provisioning.Pins;

namespace OpenBekenHub.Provisioning.Profiles;

/// <summary>
/// What every plug of one installation gets: Wi-Fi, broker, client-topic pattern, group topic, flags. The host stores
/// it (passwords encrypted at rest) and calls <see cref="ConfigBuilder.BuildConfig"/> per plug.
/// </summary>
public sealed record ProvisioningProfile
{
    public required string WifiSsid { get; init; }
    public string WifiPassword { get; init; } = "";
    /// <summary>Optional fallback network (the firmware switches after 3 failed tries).</summary>
    public string WifiSsid2 { get; init; } = "";
    public string WifiPassword2 { get; init; } = "";

    public required string MqttHost { get; init; }
    public int MqttPort { get; init; } = 1883;
    public string MqttUser { get; init; } = "";
    public string MqttPassword { get; init; } = "";

    /// <summary>Client topic (= MQTT client ID) pattern, e.g. <c>obk_{mac6}</c>; see <see cref="Identity.ClientTopicPattern"/>.</summary>
    public string ClientTopicPattern { get; init; } = "obk_{mac6}";
    /// <summary>Group topic; empty = the chip's firmware default (<c>bekens_n</c>/<c>bekens_t</c>).</summary>
    public string GroupTopic { get; init; } = "";

    /// <summary>Flags every plug gets (the template's flags are ORed in). Default: flags 10, 21, 27.</summary>
    public ulong Flags { get; init; } = ObkFlags.HubDefault;

    /// <summary>HTTP Basic password (user <c>admin</c>); empty = none. At least 5 characters when set.</summary>
    public string WebPassword { get; init; } = "";

    /// <summary>Extra startup command run after the template's, e.g. <c>startDriver NTP</c>.</summary>
    public string StartupCommand { get; init; } = "";

    /// <summary>Power-on value for relay channels: null = firmware default (off), -1 = remember the last state, 0/1.</summary>
    public short? RelayPowerOnState { get; init; }

    /// <summary>Returns the problems that make the profile unusable (empty when valid), each naming the field.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(WifiSsid))
        {
            errors.Add("WifiSsid is required (an empty SSID leaves the plug in open-AP mode).");
        }
        if (WifiPassword.Length is > 0 and < 8)
        {
            errors.Add("WifiPassword must be empty (open network) or at least 8 characters (WPA2).");
        }
        if (string.IsNullOrWhiteSpace(MqttHost))
        {
            errors.Add("MqttHost is required (an empty host turns MQTT off on the plug).");
        }
        if (MqttPort is < 1 or > 65535)
        {
            errors.Add("MqttPort must be 1-65535.");
        }
        if (WebPassword.Length is > 0 and < 5)
        {
            errors.Add("WebPassword must be empty or at least 5 characters (the firmware's minimum).");
        }
        if (RelayPowerOnState is { } s && s is < -1 or > 1)
        {
            errors.Add("RelayPowerOnState must be -1 (remember), 0 or 1.");
        }
        try
        {
            Identity.ClientTopicPattern.Validate(ClientTopicPattern);
        }
        catch (ArgumentException ex)
        {
            errors.Add("ClientTopicPattern: " + ex.Message.Split(" (Parameter", 2)[0]);
        }
        return errors;
    }
}
