using System.Text.Json.Nodes;
using OpenBekenHub.Flashing.Images;
using OpenBekenHub.Library;

namespace OpenBekenHub.Ota;

/// <summary>What an HA <c>update</c> entity shows for one plug (home-assistant-and-anchors.md §8).</summary>
public sealed record OtaUpdateState(string? InstalledVersion, string? LatestVersion, string? ReleaseSummary, bool InProgress, int? UpdatePercentage)
{
    /// <summary>JSON state: <c>in_progress</c> is a boolean and progress is the separate <c>update_percentage</c> (HA 2024.11+).</summary>
    public string ToJson() => new JsonObject
    {
        ["installed_version"] = InstalledVersion,
        ["latest_version"] = LatestVersion ?? InstalledVersion,
        ["title"] = "OpenBeken",
        ["release_summary"] = ReleaseSummary,
        ["in_progress"] = InProgress,
        ["update_percentage"] = UpdatePercentage,
    }.ToJsonString();
}

/// <summary>
/// A self-contained HA <c>update</c> entity per plug, for the discovery extension model to include: the component
/// (install offered through <c>command_topic</c> + <c>payload_install</c>), its state (installed version from the
/// plug, latest from the library for its chip and variant, progress from bytes served), and the install command, which
/// starts a one-plug rollout through <see cref="RolloutService"/>. Topics are hub-owned, never the plug's.
/// </summary>
public sealed class OtaUpdateEntity(RolloutService rollouts, FirmwareLibrary library, IFleetView fleet)
{
    public const string PayloadInstall = "install";

    /// <summary>The <c>cmps</c> entry (abbreviated keys) for device-based discovery.</summary>
    public static JsonObject Component(string deviceId, string stateTopic, string commandTopic) => new()
    {
        ["p"] = "update",
        ["uniq_id"] = $"{deviceId}_fw",
        ["name"] = "Firmware",
        ["dev_cla"] = "firmware",
        ["ent_cat"] = "config",
        ["stat_t"] = stateTopic,
        ["cmd_t"] = commandTopic,
        ["pl_inst"] = PayloadInstall,
    };

    /// <summary>The newest OTA package in the library for this chip and variant (what "latest" means for the plug).</summary>
    public async Task<FirmwareEntry?> LatestForAsync(FleetDevice device, CancellationToken ct) =>
        (await library.ListAsync(ct))
            .Where(e => e.IsOta && string.Equals(e.Chip, device.Chip, StringComparison.OrdinalIgnoreCase)
                && (e.Variant ?? "") == RblValidator.VariantOf(device.Version))
            .OrderByDescending(e => ParseVersion(e.Version))
            .FirstOrDefault();

    public async Task<OtaUpdateState?> StateAsync(string deviceId, CancellationToken ct)
    {
        if (fleet.Find(deviceId) is not { } device)
        {
            return null;
        }
        var latest = await LatestForAsync(device, ct);
        var running = (await rollouts.ListAsync(ct))
            .Where(r => !RolloutState.IsFinal(r.State))
            .SelectMany(r => r.Devices)
            .FirstOrDefault(p => p.Id == deviceId && p.Result is PlugResult.Updating or PlugResult.Pending);
        int? percent = running is { BytesTotal: > 0 } p ? (int)Math.Min(100, p.BytesServed.GetValueOrDefault() * 100 / p.BytesTotal.Value) : null;
        return new OtaUpdateState(device.Version, latest?.Version, latest is null ? null : $"{latest.FileName} from the hub's library",
            running is not null, running is null ? null : percent);
    }

    /// <summary>Handles a message on the install topic; returns the rollout id, or null with the reason in <paramref name="error"/>.</summary>
    public async Task<(string? RolloutId, string? Error)> InstallAsync(string deviceId, string payload, CancellationToken ct)
    {
        if (payload != PayloadInstall)
        {
            return (null, $"unknown payload '{(payload.Length > 40 ? payload[..40] : payload)}'");
        }
        if (fleet.Find(deviceId) is not { } device)
        {
            return (null, $"no device '{deviceId}'");
        }
        if (await LatestForAsync(device, ct) is not { } latest)
        {
            return (null, $"no OTA package for {device.Chip} in the library");
        }
        try
        {
            return (await rollouts.StartAsync(new RolloutRequest { FirmwareId = latest.Id, Devices = [deviceId], Waves = [System.Text.Json.JsonSerializer.SerializeToElement("rest")] }, ct), null);
        }
        catch (ArgumentException ex)
        {
            return (null, ex.Message);
        }
    }

    private static Version ParseVersion(string? text)
    {
        var core = (text ?? "").Split('_')[0];
        return Version.TryParse(core, out var v) ? v : new Version(0, 0);
    }
}
