namespace OpenBekenHub.Mqtt.Options;

/// <summary>
/// Home Assistant discovery settings, bound from the "HomeAssistant" section: HomeAssistant:Enabled,
/// HomeAssistant:DiscoveryPrefix, HomeAssistant:HubBaseUrl, HomeAssistant:JitterWindow, HomeAssistant:BirthTopic,
/// HomeAssistant:MigrateLegacyDiscovery.
/// </summary>
public sealed class HomeAssistantOptions
{
    public const string SectionName = "HomeAssistant";

    public bool Enabled { get; set; } = true;

    /// <summary>Discovery prefix (HA's default is <c>homeassistant</c>).</summary>
    public string DiscoveryPrefix { get; set; } = "homeassistant";

    /// <summary>HA's birth/will topic; <c>online</c> there triggers the jittered re-announce.</summary>
    public string BirthTopic { get; set; } = "homeassistant/status";

    /// <summary>The hub's web address, used for each device's <c>configuration_url</c> (left out when empty).</summary>
    public string? HubBaseUrl { get; set; }

    /// <summary>Re-announcements after an HA birth are spread over this window (at most 60 s).</summary>
    public TimeSpan JitterWindow { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Take over OpenBeken's own per-entity discovery with HA's migrate_discovery procedure.</summary>
    public bool MigrateLegacyDiscovery { get; set; } = true;

    /// <summary>Set by the host when an extension owns firmware installs (OTA): each plug's update entity then offers Install.</summary>
    public bool FirmwareInstall { get; set; }

    /// <summary>Returns one line per problem, naming the configuration key.</summary>
    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(DiscoveryPrefix) || DiscoveryPrefix.IndexOfAny(['+', '#']) >= 0 || DiscoveryPrefix.EndsWith('/'))
        {
            yield return "HomeAssistant:DiscoveryPrefix must be a topic without wildcards or a trailing '/'";
        }
        if (JitterWindow < TimeSpan.Zero || JitterWindow > TimeSpan.FromSeconds(60))
        {
            yield return $"HomeAssistant:JitterWindow must be 0-60 s (got {JitterWindow})";
        }
        if (!string.IsNullOrEmpty(HubBaseUrl) && !Uri.TryCreate(HubBaseUrl, UriKind.Absolute, out _))
        {
            yield return $"HomeAssistant:HubBaseUrl must be an absolute http(s) URL (got '{HubBaseUrl}')";
        }
    }
}
