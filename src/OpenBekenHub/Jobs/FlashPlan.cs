using OpenBekenHub.Flashing.Errors;
using OpenBekenHub.Flashing.Operations;
using OpenBekenHub.Flashing.Progress;
using OpenBekenHub.Provisioning.Profiles;
using OpenBekenHub.Provisioning.Templates;

namespace OpenBekenHub.Jobs;

/// <summary>
/// Everything one run of the <see cref="FlashPipeline"/> needs, already resolved by its front end: the web job
/// (firmware from the library, profile secrets decrypted from the store) or <c>obkhub flash</c> (a file and flags).
/// Lives only in memory: the secrets in <see cref="Profile"/> are never persisted.
/// </summary>
public sealed record FlashPlan
{
    public required string Port { get; init; }

    public required byte[] Firmware { get; init; }

    public required string FileName { get; init; }

    public required FlashSessionOptions Session { get; init; }

    public required string BackupDirectory { get; init; }

    public bool SkipBackup { get; init; }

    public bool AllowBootloader { get; init; }

    /// <summary>Null flashes only: no config block, no pins, no adoption.</summary>
    public ProvisioningProfile? Profile { get; init; }

    /// <summary>The pins decided before Start (a template, or the user's table); null = look in the stock Tuya config.</summary>
    public PinTemplate? Template { get; init; }

    /// <summary>Without <see cref="Template"/>, take the pins from the stock firmware's Tuya config in the backup.</summary>
    public bool UseTuyaPins { get; init; } = true;

    public string? DeviceName { get; init; }

    /// <summary>Issues the plug its own broker account when the hub manages the broker's accounts; null keeps the profile's.</summary>
    public Mqtt.Security.IPlugCredentialIssuer? PlugAccounts { get; init; }

    /// <summary>Waits for the rebooted plug; null skips the adopt step (<c>--no-wait</c>).</summary>
    public IPlugAdopter? Adopter { get; init; }

    /// <summary>Extra progress sink (the CLI's Spectre bars); the job's own view always gets progress.</summary>
    public IProgress<FlashProgress>? Progress { get; init; }

    /// <summary>Called once a verified backup is on disk (the hub lists it on the backups page).</summary>
    public Func<BackupResult, CancellationToken, Task>? OnBackup { get; init; }
}

/// <summary>How a front end waits for the freshly flashed plug: the hub through its bridge, the CLI on the broker.</summary>
public interface IPlugAdopter
{
    /// <summary>
    /// Waits (bounded) until the plug with <paramref name="clientTopic"/> is there, and — when
    /// <paramref name="expectedChannels"/> is not empty — until it reports a channel. Throws
    /// <see cref="FlashException"/> or <see cref="TimeoutException"/> when it does not come.
    /// </summary>
    Task<StepResult> AdoptAsync(FlashJob job, string clientTopic, IReadOnlyList<int> expectedChannels, CancellationToken ct);
}

/// <summary>The persistence hook: the web job commits every step outcome; the CLI's in-memory job has none.</summary>
public interface IJobRecorder
{
    Task RecordStepAsync(string jobId, string step, string outcome, StepResult? result, CancellationToken ct);
}

/// <summary>
/// The plug would end with no channel and nobody said which pins it has. Raised before anything is erased; the web
/// job stops in <see cref="JobState.NeedsPins"/>, the CLI exits with <see cref="Code"/>.
/// </summary>
public sealed class PinsNeededException(string message, string hint) : FlashException(message, hint, Code)
{
    /// <summary>The CLI's exit code for "choose the pins" (next to the flasher's 1-13).</summary>
    public const int Code = 14;

    public override string Kind => "pins-needed";
}
