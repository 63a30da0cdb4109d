using OpenBekenHub.Provisioning.Chips;
using OpenBekenHub.Provisioning.Config;
using OpenBekenHub.Provisioning.Errors;
using OpenBekenHub.Provisioning.Identity;
using OpenBekenHub.Provisioning.Pins;
using OpenBekenHub.Provisioning.Templates;

namespace OpenBekenHub.Provisioning.Profiles;

/// <summary>Builds the configuration block for one plug from a profile, a name, its MAC and a pin template.</summary>
public static class ConfigBuilder
{
    /// <summary>
    /// Factory defaults for <paramref name="chip"/>, then the profile's Wi-Fi/MQTT/flags, unique names and client
    /// topic from <paramref name="identity"/> (MAC-derived, or random when the MAC is unknown), and the template's pins,
    /// channel types, flags and startup command. Throws <see cref="ProvisioningException"/> (InvalidField) when the
    /// profile is invalid or a value does not fit the block.
    /// </summary>
    public static ObkConfig BuildConfigForIdentity(ProvisioningProfile profile, ObkChip chip, DeviceIdentity identity, string? name, PinTemplate? template)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(chip);
        ArgumentNullException.ThrowIfNull(identity);
        var errors = profile.Validate();
        if (errors.Count > 0)
        {
            throw new ProvisioningException(ProvisioningErrorKind.InvalidField, "The provisioning profile is invalid: " + string.Join(" ", errors),
                "Correct the profile and try again.");
        }
        var names = DeviceNames.For(chip, identity, name);
        string clientTopic;
        try
        {
            clientTopic = ClientTopicPattern.Expand(profile.ClientTopicPattern, chip, identity, names.ShortName);
        }
        catch (ArgumentException ex)
        {
            throw new ProvisioningException(ProvisioningErrorKind.InvalidField, ex.Message.Split(" (Parameter", 2)[0],
                "Choose a plug name without spaces or slashes, or a client-topic pattern built on {mac6}.", ex);
        }

        var config = ObkConfig.FactoryDefaults(chip) with
        {
            WifiSsid = profile.WifiSsid,
            WifiPassword = profile.WifiPassword,
            WifiSsid2 = profile.WifiSsid2,
            WifiPassword2 = profile.WifiPassword2,
            MqttHost = profile.MqttHost,
            MqttPort = profile.MqttPort,
            MqttUser = profile.MqttUser,
            MqttPassword = profile.MqttPassword,
            MqttGroup = string.IsNullOrWhiteSpace(profile.GroupTopic) ? chip.DefaultGroupTopic : profile.GroupTopic.Trim(),
            MqttClientId = clientTopic,
            ShortName = names.ShortName,
            LongName = names.LongName,
            StoredMac = identity.Mac,
            Flags = profile.Flags | (template?.Flags ?? 0),
            WebPassword = profile.WebPassword,
            InitCommandLine = JoinStartup(template?.StartupCommand, profile.StartupCommand),
        };
        if (template is not null)
        {
            config = config with { Pins = template.Pins, ChannelTypes = template.ChannelTypes };
        }
        if (profile.RelayPowerOnState is { } start)
        {
            var relayChannels = config.Pins
                .Where(p => p.Role == PinRoles.Relay.Number || p.Role == PinRoles.RelayInverted.Number)
                .Select(p => p.Channel).Distinct();
            config = config with { StartValues = relayChannels.ToDictionary(ch => ch, _ => start) };
        }
        ObkConfigWriter.Build(config); // fail now, with the field's name, rather than at flash time
        return config;
    }

    /// <summary>The usual entry point: identity (names, client topic) from the MAC when known, else a random suffix.</summary>
    public static ObkConfig BuildConfig(ProvisioningProfile profile, ObkChip chip, string? name, MacAddress? mac, PinTemplate? template) =>
        BuildConfigForIdentity(profile, chip, DeviceIdentity.For(mac), name, template);

    /// <summary>Joins startup commands into one line: <c>backlog a; b; c</c> (each part's own <c>backlog</c> prefix removed).</summary>
    public static string JoinStartup(params string?[] parts)
    {
        var cmds = parts
            .Where(p => !string.IsNullOrWhiteSpace(p))
            .SelectMany(p => StripBacklog(p!).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToList();
        return cmds.Count switch
        {
            0 => "",
            1 => cmds[0],
            _ => "backlog " + string.Join("; ", cmds),
        };
    }

    private static string StripBacklog(string s)
    {
        var t = s.Trim();
        return t.StartsWith("backlog ", StringComparison.OrdinalIgnoreCase) ? t["backlog ".Length..] : t;
    }
}
