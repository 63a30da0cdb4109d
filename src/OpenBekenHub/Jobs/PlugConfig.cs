using OpenBekenHub.Flashing.Chips;
using OpenBekenHub.Flashing.Errors;
using OpenBekenHub.Provisioning.Chips;
using OpenBekenHub.Provisioning.Config;
using OpenBekenHub.Provisioning.Identity;
using OpenBekenHub.Provisioning.Profiles;
using OpenBekenHub.Provisioning.Templates;

namespace OpenBekenHub.Jobs;

/// <summary>
/// The configuration block for the plug on the other end of the wire: the one place where the flasher's chip and the
/// provisioning library meet (used by the hub's jobs and by <c>obkhub flash</c>).
/// </summary>
public static class PlugConfig
{
    /// <summary>The provisioning layout for a connected chip; refuses chips the config writer does not know.</summary>
    public static ObkChip LayoutFor(BkChip chip) =>
        ObkChips.Find(chip.Name)
        ?? throw new ChipMismatchException($"Provisioning supports BK7231T and BK7231N, not {chip.Name}.", "Use 'obkhub write' to flash without provisioning.");

    /// <summary>
    /// Builds the block. The MAC makes the names and client topic unique per plug: it comes from the RF partition of
    /// the backup, else from the chip's own answer, else the library picks a random suffix.
    /// </summary>
    public static ObkConfig Build(ProvisioningProfile profile, BkChip chip, byte[]? backup, string? chipMac, string? name, PinTemplate? template)
    {
        var layout = LayoutFor(chip);
        var mac = backup is not null ? RfMac.ReadFromFlash(backup, layout) : null;
        if (mac is null && MacAddress.TryParse(chipMac, out var parsed))
        {
            mac = parsed;
        }
        return ConfigBuilder.BuildConfig(profile, layout, name, mac, template);
    }

    /// <summary>
    /// The plug's own broker account in place of the profile's MQTT user/password, when the hub manages the broker's
    /// accounts (embedded broker, or Mosquitto with dynamic security): username = client topic, random password.
    /// </summary>
    /// <param name="jobId">Same job, same password: a job resumed after a restart verifies the block it wrote.</param>
    public static async Task<ObkConfig> WithOwnAccountAsync(ObkConfig config, Mqtt.Security.IPlugCredentialIssuer? accounts, string? jobId, CancellationToken ct)
    {
        if (accounts is null || await accounts.IssueForAsync(config.MqttClientId, config.LongName, config.MqttGroup, jobId, ct) is not { } issued)
        {
            return config;
        }
        return config with { MqttUser = issued.Username, MqttPassword = issued.Password };
    }
}
