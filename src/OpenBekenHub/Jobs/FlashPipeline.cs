using System.Globalization;
using OpenBekenHub.Flashing.Errors;
using OpenBekenHub.Flashing.Images;
using OpenBekenHub.Flashing.Operations;
using OpenBekenHub.Flashing.Progress;
using OpenBekenHub.Provisioning.Config;
using OpenBekenHub.Provisioning.Pins;
using OpenBekenHub.Provisioning.Templates;
using OpenBekenHub.Provisioning.Tuya;

namespace OpenBekenHub.Jobs;

/// <summary>
/// The one flash sequence, shared by the web job and <c>obkhub flash</c>: catch → validate → backup → pins → write
/// firmware → write config → verify → reboot → adopt. Each step runs over a <see cref="FlashJob"/> (the in-memory
/// record both front ends watch); a step already verified in that record is kept, so a resumed job continues where it
/// stopped. The pins are decided before anything is erased: a plug that would end with no channel stops the run
/// with <see cref="PinsNeededException"/>.
/// </summary>
public sealed class FlashPipeline(ILoggerFactory loggers)
{
    /// <summary>One run's working state, passed from step to step.</summary>
    private sealed class Run(FlashJob job, FlashPlan plan, IJobRecorder? recorder)
    {
        public FlashJob Job { get; } = job;
        public FlashPlan Plan { get; } = plan;
        public IJobRecorder? Recorder { get; } = recorder;
        public FlashSession Session { get; set; } = null!;
        public byte[]? Backup { get; set; }
        public PinTemplate? Pins { get; set; }
        public IReadOnlyList<int> Channels { get; set; } = [];
        public ObkConfig? Config { get; set; }
        public byte[]? ConfigSector { get; set; }
    }

    public async Task RunAsync(FlashJob job, FlashPlan plan, IJobRecorder? recorder, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(plan);
        var run = new Run(job, plan, recorder);
        job.Facts["firmware"] = plan.FileName;
        // a file that fits no chip is refused before the port is opened
        ImageDetector.Detect(plan.Firmware, plan.Session.ExpectedChip, plan.AllowBootloader, plan.FileName).ThrowIfRejected();
        IProgress<FlashProgress> progress = new SyncProgress<FlashProgress>(p =>
        {
            job.OnProgress(p);
            plan.Progress?.Report(p);
        });
        job.AddLog("info", $"Opening {plan.Port}. Reset the plug now: touch CEN to GND briefly (or re-power it); link checks run for {plan.Session.Loader.CatchTimeout.TotalSeconds:0} s.");
        await using (run.Session = await FlashSession.OpenSerialAsync(plan.Port, plan.Session, progress, loggers.CreateLogger<FlashSession>(), ct))
        {
            await ConnectAsync(run);
            await ValidateAsync(run);
            await BackupAsync(run, ct);
            await PinsAsync(run);
            await WriteFirmwareAsync(run, ct);
            await WriteConfigAsync(run, ct);
            await VerifyAsync(run, ct);
            await StepAsync(run, JobSteps.Reboot, async () =>
            {
                await run.Session.RebootAsync(ct);
                return new StepResult("the plug starts OpenBeken");
            });
        }
        await AdoptAsync(run, ct);
    }

    private static Task ConnectAsync(Run run)
    {
        var s = run.Session;
        run.Job.Facts["chip"] = s.Chip.Name;
        run.Job.Facts["flashId"] = s.Info.FlashIdHex;
        run.Job.Facts["baud"] = s.Info.BaudRate.ToString(CultureInfo.InvariantCulture);
        if (s.Info.MacAddress is { } mac)
        {
            run.Job.Facts["mac"] = mac;
        }
        return StepAsync(run, JobSteps.Connect, () => Task.FromResult(new StepResult(
            $"{s.Chip.Name} ({s.Info.DetectedBy}), flash {s.Info.FlashIdHex} {s.Info.FlashSize / 1024} KiB, {s.Info.BaudRate} baud")));
    }

    // a wrong or oversized image (or a chip provisioning cannot configure) is refused before the backup, long before any erase
    private static Task ValidateAsync(Run run) => StepAsync(run, JobSteps.Validate, () =>
    {
        var detection = run.Session.Detect(run.Plan.Firmware, run.Plan.AllowBootloader, run.Plan.FileName);
        detection.ThrowIfRejected();
        if (run.Plan.Profile is not null)
        {
            PlugConfig.LayoutFor(run.Session.Chip);
        }
        return Task.FromResult(new StepResult(detection.Reason));
    }, rerunWhenKept: true);

    private async Task BackupAsync(Run run, CancellationToken ct)
    {
        if (run.Plan.SkipBackup)
        {
            await SkipAsync(run, JobSteps.Backup, "skipped at the user's request (--no-backup)");
            return;
        }
        if (run.Job.IsDone(JobSteps.Backup) && run.Job.Result(JobSteps.Backup)?.BackupPath is { } kept && File.Exists(kept))
        {
            run.Backup = await File.ReadAllBytesAsync(kept, ct);
            run.Job.Facts["backup"] = Path.GetFileName(kept);
            run.Job.AddLog("info", "Verified backup from the first attempt kept: " + Path.GetFileName(kept));
            return;
        }
        if (run.Job.IsDone(JobSteps.Backup))
        {
            run.Job.AddLog("warn", "The backup file of the first attempt is gone; reading the flash again.");
            run.Job.SetStep(JobSteps.Backup, "pending");
        }
        await StepAsync(run, JobSteps.Backup, async () =>
        {
            var result = await run.Session.BackupAsync(run.Plan.BackupDirectory, ct);
            run.Backup = result.Data;
            run.Job.Facts["backup"] = Path.GetFileName(result.Path);
            if (run.Plan.OnBackup is { } onBackup)
            {
                await onBackup(result, ct);
            }
            return new StepResult($"{Path.GetFileName(result.Path)} (sha256 {result.Manifest.Sha256[..12]}…, {result.Manifest.VerifiedBy})") { BackupPath = result.Path };
        });
    }

    /// <summary>
    /// The pins, decided before the first erase: the chosen table or template, else the stock Tuya config from the
    /// backup. Evaluated on every run (it is pure), so a resumed job writes the same config block again.
    /// </summary>
    private static async Task PinsAsync(Run run)
    {
        if (run.Plan.Profile is null)
        {
            await SkipAsync(run, JobSteps.Pins, "flash only: the pins are set later in the plug's own web page");
            return;
        }
        var (pins, source) = (run.Plan.Template, run.Plan.Template?.Name);
        if (pins is null && run.Plan.UseTuyaPins && run.Backup is not null && TuyaConfigExtractor.TryExtract(run.Backup) is { } tuya
            && PinTable.Channels(tuya.Proposal).Count > 0)
        {
            (pins, source) = (tuya.Proposal, $"stock Tuya config ({tuya.Module ?? "module unknown"})");
        }
        var channels = pins is null ? [] : PinTable.Channels(pins);
        if (pins is null || !GivesChannels(pins))
        {
            var why = pins is null
                ? (run.Backup is null ? "No template or pins were chosen and the backup was skipped, so the stock Tuya config cannot be read."
                    : "No template or pins were chosen and the stock firmware's Tuya config names no usable pins.")
                : $"'{pins.Name}' gives the plug no channel (no relay, LED, PWM or input pin).";
            run.Job.SetStep(JobSteps.Pins, "needs-input", why);
            if (run.Recorder is not null)
            {
                await run.Recorder.RecordStepAsync(run.Job.Id, JobSteps.Pins, "needs-input", new StepResult(why), CancellationToken.None);
            }
            throw new PinsNeededException(why + " Nothing was erased.",
                "Choose a device template or a pin table (e.g. P26 = Rel, channel 1): on the job page, with POST /api/jobs/{id}/pins, or with obkhub flash --template/--pins 26=Rel:1.");
        }
        run.Pins = pins;
        run.Channels = channels;
        run.Job.Facts["pins"] = $"{source}: {PinTable.Describe(pins)}";
        var result = new StepResult($"from {source}: {PinTable.Describe(pins)}")
        {
            PinSource = source, Pins = PinTable.ToChoices(pins), Channels = channels,
        };
        await StepAsync(run, JobSteps.Pins, () => Task.FromResult(result), rerunWhenKept: true);
    }

    /// <summary>
    /// True when the pins give the plug a channel — or a startup command does (TuyaMCU and metering templates map
    /// their channels there). The one rule for the pipeline, the pins endpoint and the wizard.
    /// </summary>
    public static bool GivesChannels(PinTemplate pins) => PinTable.Channels(pins).Count > 0 || pins.StartupCommand.Length > 0;

    private static Task WriteFirmwareAsync(Run run, CancellationToken ct) => StepAsync(run, JobSteps.WriteFirmware, async () =>
    {
        var result = await run.Session.WriteImageAsync(run.Plan.Firmware, Write(run, run.Plan.FileName), ct);
        return new StepResult($"{result.Written.Count} region(s) written, {result.Skipped.Count} already matched, in {result.Elapsed.TotalSeconds:0.0} s");
    });

    private static async Task WriteConfigAsync(Run run, CancellationToken ct)
    {
        if (run.Plan.Profile is null)
        {
            await SkipAsync(run, JobSteps.WriteConfig, "no provisioning profile chosen: the plug starts in its own Wi-Fi AP mode");
            return;
        }
        var s = run.Session;
        var config = PlugConfig.Build(run.Plan.Profile, s.Chip, run.Backup, s.Info.MacAddress, run.Plan.DeviceName, run.Pins);
        config = await PlugConfig.WithOwnAccountAsync(config, run.Plan.PlugAccounts, run.Job.Id, ct);
        run.Config = config;
        run.ConfigSector = ObkConfigWriter.BuildSector(config);
        run.Job.Facts["clientTopic"] = config.MqttClientId;
        run.Job.Facts["deviceName"] = config.ShortName;
        await StepAsync(run, JobSteps.WriteConfig, async () =>
        {
            var result = await s.WriteRegionAsync(s.Chip.ConfigOffset, run.ConfigSector, Write(run, null), ct);
            return new StepResult($"config block at 0x{s.Chip.ConfigOffset:X}: client topic {config.MqttClientId}, SSID {config.WifiSsid} ({result.Written.Count} sector written)")
            {
                ClientTopic = config.MqttClientId, DeviceName = config.ShortName,
            };
        });
    }

    private static Task VerifyAsync(Run run, CancellationToken ct) => StepAsync(run, JobSteps.Verify, async () =>
    {
        var s = run.Session;
        var firmware = await s.VerifyAsync(run.Plan.Firmware, run.Plan.FileName, run.Plan.AllowBootloader, ct);
        if (!firmware.Matches)
        {
            throw new CrcMismatchException($"Firmware differs from the file in {firmware.Different.Count} region(s) after writing.",
                "Run it again (resume the job): only the differing regions are written again.");
        }
        if (run.ConfigSector is not null && !(await s.VerifyRegionAsync(s.Chip.ConfigOffset, run.ConfigSector, ct)).Matches)
        {
            throw new CrcMismatchException("The configuration sector does not match what was written.", "Run it again (resume the job) to write it again.");
        }
        return new StepResult($"firmware {firmware.Matching.Count} region(s){(run.ConfigSector is null ? "" : " and config sector")} match by the chip's CRC");
    });

    private static async Task AdoptAsync(Run run, CancellationToken ct)
    {
        if (run.Config is null || run.Plan.Adopter is null)
        {
            await SkipAsync(run, JobSteps.Adopt, run.Config is null ? "not provisioned: connect to the plug's OpenBeken AP to configure it" : "not waiting (--no-wait)");
            return;
        }
        await StepAsync(run, JobSteps.Adopt, async () =>
        {
            var result = await run.Plan.Adopter.AdoptAsync(run.Job, run.Config.MqttClientId, run.Channels, ct);
            if (result.DeviceId is { } id)
            {
                run.Job.Facts["deviceId"] = id;
            }
            return result;
        });
    }

    private static WriteImageOptions Write(Run run, string? fileName) => new()
    {
        Differential = true,
        // the pipeline's own backup step made (or was told to skip) the full backup; never a second one per region
        SkipBackup = run.Backup is not null || run.Plan.SkipBackup,
        BackupDirectory = run.Plan.BackupDirectory,
        AllowBootloader = run.Plan.AllowBootloader,
        FileName = fileName,
        Reprotect = true,
    };

    /// <summary>
    /// Runs a step unless the record already holds it verified. <paramref name="rerunWhenKept"/> steps are cheap checks
    /// whose typed result later steps need, so they run again (but keep their recorded outcome).
    /// </summary>
    private static async Task StepAsync(Run run, string step, Func<Task<StepResult>> work, bool rerunWhenKept = false)
    {
        var job = run.Job;
        var kept = job.IsDone(step);
        if (kept && !rerunWhenKept)
        {
            job.AddLog("info", $"{JobSteps.Title(step)}: already verified, kept.");
            return;
        }
        if (!kept)
        {
            job.SetStep(step, "running");
        }
        try
        {
            var result = await work();
            if (kept)
            {
                return;
            }
            job.SetStep(step, "verified", result.Detail, result);
            if (run.Recorder is not null)
            {
                await run.Recorder.RecordStepAsync(job.Id, step, "verified", result, CancellationToken.None);
            }
            job.AddLog("info", $"{JobSteps.Title(step)}: {result.Detail}");
        }
        catch (Exception ex) when (ex is not PinsNeededException)
        {
            job.SetStep(step, "failed", ex.Message);
            if (run.Recorder is not null)
            {
                await run.Recorder.RecordStepAsync(job.Id, step, "failed", new StepResult(ex.Message), CancellationToken.None);
            }
            throw;
        }
    }

    private static async Task SkipAsync(Run run, string step, string why)
    {
        run.Job.SetStep(step, "skipped", why);
        if (run.Recorder is not null)
        {
            await run.Recorder.RecordStepAsync(run.Job.Id, step, "skipped", new StepResult(why), CancellationToken.None);
        }
    }
}
