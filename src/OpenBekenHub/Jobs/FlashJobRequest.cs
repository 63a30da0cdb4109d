namespace OpenBekenHub.Jobs;

/// <summary>
/// One flash (and optionally provision) job, as the wizard, the API and the CLI describe it. Everything needed to
/// run it again on resume is here; secrets are not: the profile is referenced by id and decrypted when needed.
/// </summary>
public sealed record FlashJobRequest
{
    /// <summary>Serial port path (/dev/ttyUSB0, /dev/obkhub-uart0, a pty in demo mode).</summary>
    public required string Port { get; init; }

    /// <summary>Firmware library id (pages/API) …</summary>
    public string? FirmwareId { get; init; }

    /// <summary>… or a file path (CLI).</summary>
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
}

/// <summary>The steps of a job, in order. A resumed job skips the steps whose outcome is already verified.</summary>
public static class JobSteps
{
    public const string Connect = "connect";
    public const string Backup = "backup";
    public const string Validate = "validate";
    public const string WriteFirmware = "write-firmware";
    public const string WriteConfig = "write-config";
    public const string Verify = "verify";
    public const string Reboot = "reboot";
    public const string Adopt = "adopt";

    public static readonly IReadOnlyList<string> All = [Connect, Validate, Backup, WriteFirmware, WriteConfig, Verify, Reboot, Adopt];

    public static string Title(string step) => step switch
    {
        Connect => "Catch the bootloader",
        Backup => "Back up the whole flash",
        Validate => "Check the firmware against the chip",
        WriteFirmware => "Write the firmware",
        WriteConfig => "Write Wi-Fi, MQTT, name and pins",
        Verify => "Verify everything by CRC",
        Reboot => "Reboot the plug",
        Adopt => "Wait for the plug on MQTT and adopt it",
        _ => step,
    };
}

public sealed record JobStepRecord(string Step, string Outcome, string? Detail, DateTimeOffset At);

public sealed record JobLogLine(DateTimeOffset At, string Level, string Text);
