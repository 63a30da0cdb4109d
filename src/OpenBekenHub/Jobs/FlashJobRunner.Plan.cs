using System.Globalization;
using OpenBekenHub.Flashing.Chips;
using OpenBekenHub.Flashing.Operations;
using OpenBekenHub.Flashing.Transport;
using OpenBekenHub.Provisioning.Errors;
using OpenBekenHub.Provisioning.Pins;
using OpenBekenHub.Provisioning.Profiles;
using OpenBekenHub.Provisioning.Templates;
using OpenBekenHub.Store;

namespace OpenBekenHub.Jobs;

/// <summary>The web job's front end of the pipeline: the stored request resolved into a plan (library firmware, decrypted profile, pins).</summary>
public sealed partial class FlashJobRunner
{
    private async Task<FlashPlan> PlanAsync(FlashJobRequest request, CancellationToken ct)
    {
        // jobs stored before the hub refused firmware paths may name a file: they cannot run again
        var id = request.FirmwareId ?? throw new ArgumentException("This job names a firmware file, not a library entry; start a new job with a firmware from the library.");
        var entry = await firmware.GetAsync(id, ct) ?? throw new ArgumentException($"Firmware '{id}' is not in the library.");
        var profile = request.ProfileId is null ? null : await ResolveProfileAsync(request.ProfileId, ct);
        return new FlashPlan
        {
            Port = request.Port,
            Firmware = entry.Data,
            FileName = entry.Entry.FileName,
            Session = new FlashSessionOptions
            {
                BaudRate = request.Baud,
                ExpectedChip = ChipRegistry.Find(request.Chip),
                ResetStrategy = gpio.For(request.Port) ?? (request.UseDtrRtsReset ? new DtrRtsReset() : ManualCenReset.Instance),
                Loader = new BkLoaderOptions { CatchTimeout = TimeSpan.FromSeconds(request.CatchSeconds) },
            },
            BackupDirectory = hubOptions.Value.BackupsDirectory,
            SkipBackup = request.SkipBackup,
            AllowBootloader = request.AllowBootloader,
            Profile = profile,
            Template = await ResolvePinsAsync(request, ct),
            UseTuyaPins = request.UseTuyaPins,
            DeviceName = request.DeviceName,
            Adopter = request.WaitForDevice ? new BridgeAdopter(bridge, TimeSpan.FromSeconds(request.AdoptSeconds), request.DeviceName, request.Area) : null,
            PlugAccounts = plugAccounts,
            OnBackup = RecordBackupAsync,
        };
    }

    /// <summary>The template named in the request, with the request's own pin table (if any) in place of its pins.</summary>
    private async Task<PinTemplate?> ResolvePinsAsync(FlashJobRequest request, CancellationToken ct)
    {
        try
        {
            var template = string.IsNullOrWhiteSpace(request.TemplateName) ? null
                : (await templates.GetAsync(ct)).GetByName(request.TemplateName).ToPinTemplate();
            return request.Pins is { Count: > 0 } pins ? PinTable.FromChoices(pins, basedOn: template) : template;
        }
        catch (ProvisioningException ex)
        {
            throw new ArgumentException(ex.Message + " " + ex.Hint, ex);
        }
    }

    private async Task<ProvisioningProfile> ResolveProfileAsync(string id, CancellationToken ct)
    {
        var view = await profiles.GetAsync(id, ct) ?? throw new ArgumentException($"Provisioning profile '{id}' no longer exists.");
        var secrets = await profiles.GetSecretsAsync(view.Id, ct);
        var profile = new ProvisioningProfile
        {
            WifiSsid = view.WifiSsid,
            WifiPassword = secrets?.WifiPassword ?? "",
            MqttHost = view.MqttHost,
            MqttPort = view.MqttPort,
            MqttUser = view.MqttUsername ?? "",
            MqttPassword = secrets?.MqttPassword ?? "",
            ClientTopicPattern = view.ClientTopicPattern,
            GroupTopic = view.GroupTopic ?? "",
        };
        var problems = profile.Validate();
        return problems.Count == 0 ? profile : throw new ArgumentException($"Profile '{view.Name}': {string.Join("; ", problems)}");
    }

    private async Task RecordBackupAsync(BackupResult result, CancellationToken ct)
    {
        var m = result.Manifest;
        await using var c = await store.OpenAsync(ct);
        using var cmd = c.Command(
            "INSERT OR REPLACE INTO backups(id, file_name, chip, flash_id, size, sha256, crc, port, created_utc) VALUES ($id, $f, $c, $fid, $s, $h, $crc, $p, $t);", null,
            ("$id", Path.GetFileNameWithoutExtension(result.Path)), ("$f", Path.GetFileName(result.Path)), ("$c", m.Chip), ("$fid", m.FlashId), ("$s", (long)m.Size),
            ("$h", m.Sha256), ("$crc", m.Crc32), ("$p", m.Port), ("$t", m.Date.ToString("O", CultureInfo.InvariantCulture)));
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
