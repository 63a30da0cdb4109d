using OpenBekenHub.Provisioning.Pins;

namespace OpenBekenHub.Jobs;

/// <summary>
/// One flash (and optionally provision) job, as the wizard, the API and the CLI describe it. Everything needed to
/// run it again on resume is here; secrets are not: the profile is referenced by id and decrypted when needed.
/// </summary>
public sealed record FlashJobRequest
{
    /// <summary>Serial port path (/dev/ttyUSB0, /dev/obkhub-uart0, a pty in demo mode).</summary>
    public required string Port { get; init; }

    /// <summary>Firmware library id: the only firmware source the hub's jobs accept.</summary>
    public string? FirmwareId { get; init; }

    /// <summary>
    /// A file path: only <c>obkhub flash</c>'s in-memory job record carries one (for display). The hub refuses it, so
    /// a request cannot probe the server's files.
    /// </summary>
    public string? FirmwarePath { get; init; }

    /// <summary>auto, bk7231t or bk7231n.</summary>
    public string Chip { get; init; } = "auto";

    public int Baud { get; init; } = 921_600;

    /// <summary>Provisioning profile id; null flashes only.</summary>
    public string? ProfileId { get; init; }

    public string? DeviceName { get; init; }

    public string? Area { get; init; }

    /// <summary>Name of a device template (from the imported template list) whose pins are written.</summary>
    public string? TemplateName { get; init; }

    /// <summary>
    /// The pin table chosen in the wizard or with <c>POST /api/jobs/{id}/pins</c> (pin → role short name and channel).
    /// Wins over the template's pins (the template still gives its flags and startup command).
    /// </summary>
    public IReadOnlyDictionary<string, PinChoice>? Pins { get; init; }

    public bool SkipBackup { get; init; }

    /// <summary>Without a template, take the pins from the stock firmware's Tuya config found in the backup.</summary>
    public bool UseTuyaPins { get; init; } = true;

    public bool AllowBootloader { get; init; }

    /// <summary>Pulse DTR/RTS for adapters wired to CEN (best effort).</summary>
    public bool UseDtrRtsReset { get; init; }

    /// <summary>After the reboot, wait for the plug on MQTT and adopt it.</summary>
    public bool WaitForDevice { get; init; } = true;

    /// <summary>How long the catch loop waits for the user to reset the chip.</summary>
    public int CatchSeconds { get; init; } = 60;

    /// <summary>How long to wait for the provisioned plug to appear on MQTT.</summary>
    public int AdoptSeconds { get; init; } = 180;

    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(Port))
        {
            yield return "choose a serial port";
        }
        if (FirmwareId is null && FirmwarePath is null)
        {
            yield return "choose a firmware file";
        }
        if (Chip is not ("auto" or "bk7231t" or "bk7231n"))
        {
            yield return "chip must be auto, bk7231t or bk7231n";
        }
        if (Baud is < 115_200 or > 3_000_000)
        {
            yield return "baud must be 115200-3000000";
        }
        if (CatchSeconds is < 1 or > 600 || AdoptSeconds is < 1 or > 3600)
        {
            yield return "timeouts out of range";
        }
    }
}

public enum JobState
{
    Running,
    Succeeded,
    Failed,
    Interrupted,
    Cancelled,

    /// <summary>
    /// Stopped before anything was erased because the plug would end with no channel: no template, no pins chosen and
    /// no usable pins in the stock Tuya config. <c>POST /api/jobs/{id}/pins</c> continues it.
    /// </summary>
    NeedsPins,
}

/// <summary>The steps of a job, in order. A resumed job skips the steps whose outcome is already verified.</summary>
public static class JobSteps
{
    public const string Connect = "connect";
    public const string Backup = "backup";
    public const string Validate = "validate";
    public const string Pins = "pins";
    public const string WriteFirmware = "write-firmware";
    public const string WriteConfig = "write-config";
    public const string Verify = "verify";
    public const string Reboot = "reboot";
    public const string Adopt = "adopt";

    public static readonly IReadOnlyList<string> All = [Connect, Validate, Backup, Pins, WriteFirmware, WriteConfig, Verify, Reboot, Adopt];

    public static string Title(string step) => step switch
    {
        Connect => "Catch the bootloader",
        Backup => "Back up the whole flash",
        Validate => "Check the firmware against the chip",
        Pins => "Choose the pins (template, stock Tuya config or your table)",
        WriteFirmware => "Write the firmware",
        WriteConfig => "Write Wi-Fi, MQTT, name and pins",
        Verify => "Verify everything by CRC",
        Reboot => "Reboot the plug",
        Adopt => "Wait for the plug on MQTT and adopt it",
        _ => step,
    };
}

public sealed record JobStepRecord(string Step, string Outcome, string? Detail, DateTimeOffset At, StepResult? Result = null);

/// <summary>
/// What a step produced, typed (persisted beside the step, so a resumed job reads the backup path from here, never
/// from a message): the detail line for people plus the values later steps and scripts use.
/// </summary>
public sealed record StepResult(string Detail)
{
    /// <summary>Backup: the verified full-flash file.</summary>
    public string? BackupPath { get; init; }

    /// <summary>Pins: where they came from (template name, "stock Tuya config (CB2S)", "chosen pins").</summary>
    public string? PinSource { get; init; }

    /// <summary>Pins: the table written into the config block.</summary>
    public IReadOnlyDictionary<string, PinChoice>? Pins { get; init; }

    /// <summary>Pins: the channels the plug will have.</summary>
    public IReadOnlyList<int>? Channels { get; init; }

    /// <summary>Write-config: the plug's client topic and name.</summary>
    public string? ClientTopic { get; init; }

    public string? DeviceName { get; init; }

    /// <summary>Adopt: the hub's device id (web job) or null (CLI, which only watches the broker).</summary>
    public string? DeviceId { get; init; }
}

public sealed record JobLogLine(DateTimeOffset At, string Level, string Text);
