using System.Text.Json;

namespace OpenBekenHub.Ota;

/// <summary>Rollout states on the wire (<c>GET /api/rollouts/{id}</c>).</summary>
public static class RolloutState
{
    public const string Running = "running";
    public const string Paused = "paused";
    public const string Completed = "completed";
    public const string Stopped = "stopped";
    public const string Aborted = "aborted";

    public static bool IsFinal(string state) => state is Completed or Stopped or Aborted;
}

/// <summary>Per-plug results on the wire.</summary>
public static class PlugResult
{
    public const string Pending = "pending";
    public const string Updating = "updating";
    public const string Ok = "ok";
    public const string Failed = "failed";
    public const string TimedOut = "timedOut";
    public const string Skipped = "skipped";

    public static bool IsDone(string result) => result is Ok or Failed or TimedOut or Skipped;
}

/// <summary>
/// <c>POST /api/rollouts</c> body. <c>devices</c> omitted = all eligible plugs; <c>chip</c>, <c>fromVersion</c> and
/// <c>area</c> narrow the choice further. <c>waves</c> items are a count (<c>1</c>), a share (<c>"10%"</c>) or <c>"rest"</c>.
/// </summary>
public sealed record RolloutRequest
{
    public string? FirmwareId { get; init; }

    public IReadOnlyList<string>? Devices { get; init; }

    public IReadOnlyList<JsonElement>? Waves { get; init; }

    public int? Concurrency { get; init; }

    public double? FailureThreshold { get; init; }

    public int? DeviceTimeoutSeconds { get; init; }

    public string? Chip { get; init; }

    public string? FromVersion { get; init; }

    public string? Area { get; init; }

    /// <summary>Install even where the plug's variant (e.g. <c>_berry</c>) differs from the file's.</summary>
    public bool ConfirmVariantChange { get; init; }
}

/// <summary>The validated settings a rollout runs with (stored as JSON beside it).</summary>
public sealed record RolloutSettings(
    int Concurrency, double FailureThreshold, int DeviceTimeoutSeconds, IReadOnlyList<string> Waves, bool ConfirmVariantChange,
    string FirmwareName, string TargetChip, string TargetVersion)
{
    public static readonly IReadOnlyList<string> DefaultWaves = ["1", "10%", "rest"];

    public string ToJson() => JsonSerializer.Serialize(this);

    public static RolloutSettings FromJson(string json) => JsonSerializer.Deserialize<RolloutSettings>(json)
        ?? throw new InvalidOperationException("empty rollout settings");
}

/// <summary>One plug of a rollout as stored and shown.</summary>
public sealed record RolloutPlug(string Id, string Name, int Wave, string Result, string? Reason, string? FromVersion, string? ToVersion)
{
    /// <summary>Bytes of the file served to this plug's URL (the download progress), while and after it updates.</summary>
    public long? BytesServed { get; init; }

    public long? BytesTotal { get; init; }
}

/// <summary>A rollout as <c>GET /api/rollouts/{id}</c> returns it.</summary>
public sealed record RolloutView(
    string Id,
    string State,
    string FirmwareId,
    string? Note,
    RolloutSettings Settings,
    DateTimeOffset Created,
    DateTimeOffset Updated,
    IReadOnlyList<RolloutPlug> Devices);
