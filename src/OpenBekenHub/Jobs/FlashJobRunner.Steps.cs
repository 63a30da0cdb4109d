using System.Globalization;
using OpenBekenHub.Flashing.Chips;
using OpenBekenHub.Flashing.Errors;
using OpenBekenHub.Flashing.Operations;
using OpenBekenHub.Flashing.Progress;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Provisioning.Config;
using OpenBekenHub.Provisioning.Identity;
using OpenBekenHub.Provisioning.Profiles;
using OpenBekenHub.Provisioning.Pins;
using OpenBekenHub.Provisioning.Templates;
using OpenBekenHub.Provisioning.Tuya;
using OpenBekenHub.Store;

namespace OpenBekenHub.Jobs;

public sealed partial class FlashJobRunner
{
    private async Task RunAsync(FlashJob job, CancellationToken ct)
    {
        var request = job.Request;
        var (fileName, file) = await LoadFirmwareAsync(request, ct);
        job.Facts["firmware"] = fileName;
        // a missing profile or an unknown template is refused before the port is opened
        var provisioning = request.ProfileId is null ? ((ProvisioningProfile Profile, PinTemplate? Template)?)null : await ResolveProvisioningAsync(request, ct);
        var progress = new SyncProgress<FlashProgress>(job.OnProgress);
        job.AddLog("info", $"Opening {request.Port}. Press the plug's CEN to GND briefly now (or re-power it): sending link checks for {request.CatchSeconds} s.");

        await using var session = await FlashSession.OpenSerialAsync(request.Port, SessionOptions(request), progress, SessionLogger, ct);
        var chip = session.Chip;
        job.Facts["chip"] = chip.Name;
        job.Facts["flashId"] = session.Info.FlashIdHex;
        job.Facts["baud"] = session.Info.BaudRate.ToString(CultureInfo.InvariantCulture);
        if (session.Info.MacAddress is { } infoMac)
        {
            job.Facts["mac"] = infoMac;
        }
        await StepAsync(job, JobSteps.Connect, () => Task.FromResult<string?>(
            $"{chip.Name} ({session.Info.DetectedBy}), flash {session.Info.FlashIdHex} {session.Info.FlashSize / 1024} KiB, {session.Info.BaudRate} baud"));

        // refuse a wrong or oversized image before spending a minute on the backup, and long before any erase
        var detection = session.Detect(file, request.AllowBootloader, fileName);
        await StepAsync(job, JobSteps.Validate, () =>
        {
            detection.ThrowIfRejected();
            return Task.FromResult<string?>(detection.Reason);
        });

        byte[]? backup = null;
        if (request.SkipBackup)
        {
            await SkipAsync(job, JobSteps.Backup, "skipped at the user's request (--no-backup)");
        }
        else if (job.IsDone(JobSteps.Backup) && job.StepDetail(JobSteps.Backup) is { } kept && File.Exists(BackupPathFrom(kept)))
        {
            backup = await File.ReadAllBytesAsync(BackupPathFrom(kept), ct);
            job.Facts["backup"] = Path.GetFileName(BackupPathFrom(kept));
            job.AddLog("info", "Verified backup from the first attempt kept: " + job.Facts["backup"]);
        }
        else
        {
            await StepAsync(job, JobSteps.Backup, async () =>
            {
                var result = await session.BackupAsync(BackupsDirectory, ct);
                backup = result.Data;
                job.Facts["backup"] = Path.GetFileName(result.Path);
                await RecordBackupAsync(result, ct);
                return $"{result.Path} (sha256 {result.Manifest.Sha256[..12]}…, {result.Manifest.VerifiedBy})";
            });
        }
        var backupExists = backup is not null || request.SkipBackup;

        var write = new WriteImageOptions
        {
            Differential = true,
            SkipBackup = backupExists,
            BackupDirectory = BackupsDirectory,
            AllowBootloader = request.AllowBootloader,
            FileName = fileName,
            Reprotect = true,
        };
        await StepAsync(job, JobSteps.WriteFirmware, async () =>
        {
            var result = await session.WriteImageAsync(file, write, ct);
            return $"{result.Written.Count} region(s) written, {result.Skipped.Count} already matched, in {result.Elapsed.TotalSeconds:0.0} s";
        });

        byte[]? configSector = null;
        uint configOffset = chip.ConfigOffset;
        if (request.ProfileId is null)
        {
            await SkipAsync(job, JobSteps.WriteConfig, "no provisioning profile chosen: the plug starts in its own Wi-Fi AP mode");
        }
        else
        {
            var chosen = provisioning!.Value;
            if (chosen.Template is null && request.UseTuyaPins && backup is not null && TuyaConfigExtractor.TryExtract(backup) is { Proposal.Pins.Count: > 0 } tuya)
            {
                // no template chosen: the pins the stock firmware used, read from its own config in the backup
                chosen = (chosen.Profile, tuya.Proposal);
                job.Facts["pins"] = $"from the stock Tuya config ({tuya.Module ?? "module unknown"}): " +
                    string.Join(", ", tuya.Proposal.Pins.Select(p => $"P{p.Pin} {PinRoles.FindByNumber(p.Role)?.ShortName} ch{p.Channel}"));
                job.AddLog("info", "Pins " + job.Facts["pins"]);
            }
            var config = PlugConfig.Build(chosen.Profile, chip, backup, session.Info.MacAddress, request.DeviceName, chosen.Template);
            config = await PlugConfig.WithOwnAccountAsync(config, plugAccounts, job.Id, ct);
            configSector = ObkConfigWriter.BuildSector(config);
            job.Facts["clientTopic"] = config.MqttClientId;
            job.Facts["deviceName"] = config.ShortName;
            await StepAsync(job, JobSteps.WriteConfig, async () =>
            {
                var result = await session.WriteRegionAsync(configOffset, configSector, new WriteImageOptions
                {
                    Differential = true,
                    SkipBackup = backupExists,
                    BackupDirectory = BackupsDirectory,
                    Reprotect = true,
                }, ct);
                return $"config block at 0x{configOffset:X}: client topic {config.MqttClientId}, SSID {config.WifiSsid} ({result.Written.Count} sector written)";
            });
        }

        await StepAsync(job, JobSteps.Verify, async () =>
        {
            var firmwareCheck = await session.VerifyAsync(file, fileName, request.AllowBootloader, ct);
            if (!firmwareCheck.Matches)
            {
                throw new CrcMismatchException($"Firmware differs from the file in {firmwareCheck.Different.Count} region(s) after writing.",
                    "Resume the job: the differing regions are written again.");
            }
            if (configSector is not null)
            {
                var configCheck = await session.VerifyRegionAsync(configOffset, configSector, ct);
                if (!configCheck.Matches)
                {
                    throw new CrcMismatchException("The configuration sector does not match what was written.", "Resume the job to write it again.");
                }
            }
            return $"firmware {firmwareCheck.Matching.Count} region(s){(configSector is null ? "" : " and config sector")} match by the chip's CRC";
        });

        await StepAsync(job, JobSteps.Reboot, async () =>
        {
            await session.RebootAsync(ct);
            return "the plug starts OpenBeken";
        });
        await session.DisposeAsync();

        if (!request.WaitForDevice || configSector is null)
        {
            await SkipAsync(job, JobSteps.Adopt, configSector is null ? "not provisioned: connect to the plug's OpenBeken AP to configure it" : "not waiting (--no-wait)");
            return;
        }
        await StepAsync(job, JobSteps.Adopt, () => AdoptAsync(job, ct));
    }

    private async Task<string?> AdoptAsync(FlashJob job, CancellationToken ct)
    {
        var topic = job.Facts["clientTopic"];
        job.AddLog("info", $"Waiting up to {job.Request.AdoptSeconds} s for '{topic}' on MQTT (the plug joins Wi-Fi first).");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(job.Request.AdoptSeconds));
        using var subscription = bridge.Bus.Subscribe();
        DeviceSnapshot? device;
        try
        {
            while ((device = bridge.Registry.FindByTopic(topic)) is not { Online: true })
            {
                await subscription.Reader.WaitToReadAsync(timeout.Token);
                while (subscription.Reader.TryRead(out _))
                {
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"'{topic}' did not appear on MQTT within {job.Request.AdoptSeconds} s. Check the Wi-Fi password and that the plug can reach the broker; the firmware and config are written and verified.");
        }
        if (job.Request.DeviceName is not null || job.Request.Area is not null)
        {
            device = await bridge.UpdateAsync(device.Id, job.Request.DeviceName, job.Request.Area, ct) ?? device;
        }
        job.Facts["deviceId"] = device.Id;
        return $"adopted as '{device.Record.DisplayName}' ({device.Id}); Home Assistant discovery published";
    }

    private async Task<(ProvisioningProfile Profile, PinTemplate? Template)> ResolveProvisioningAsync(FlashJobRequest request, CancellationToken ct)
    {
        var view = await profiles.GetAsync(request.ProfileId!, ct) ?? throw new ArgumentException($"Provisioning profile '{request.ProfileId}' no longer exists.");
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
        if (problems.Count > 0)
        {
            throw new ArgumentException($"Profile '{view.Name}': {string.Join("; ", problems)}");
        }
        PinTemplate? template = null;
        if (!string.IsNullOrWhiteSpace(request.TemplateName))
        {
            template = (await templates.GetAsync(ct)).GetByName(request.TemplateName).ToPinTemplate();
        }
        return (profile, template);
    }

    private async Task<(string FileName, byte[] Data)> LoadFirmwareAsync(FlashJobRequest request, CancellationToken ct)
    {
        if (request.FirmwareId is not null)
        {
            var entry = await firmware.GetAsync(request.FirmwareId, ct) ?? throw new ArgumentException($"Firmware '{request.FirmwareId}' is not in the library.");
            return (entry.Entry.FileName, entry.Data);
        }
        var path = request.FirmwarePath!;
        if (!File.Exists(path))
        {
            throw new ImageRejectedException($"Firmware file '{path}' does not exist.", "Check the path.");
        }
        return (Path.GetFileName(path), await File.ReadAllBytesAsync(path, ct));
    }

    private static string BackupPathFrom(string detail) => detail.Split(" (", 2)[0];

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
