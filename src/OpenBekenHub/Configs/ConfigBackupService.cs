using OpenBekenHub.Store;

namespace OpenBekenHub.Configs;

/// <summary>One plug's backup outcome: <c>created</c> (a new version), <c>unchanged</c>, <c>skipped</c> (offline) or <c>failed</c>.</summary>
public sealed record DeviceBackupResult(string DeviceId, string Name, string Outcome, int? Version, string? Error);

/// <summary>A restore request could not start (unknown version or device, offline, original still online).</summary>
public sealed class ConfigRestoreRefusedException(string message) : Exception(message);

/// <summary>
/// Backs up plugs' configurations (all online plugs, or a list) and restores a stored version onto the same plug or a
/// replacement. One run at a time: a scheduled run and a click on "Back up now" never read the same plug twice at once.
/// </summary>
public sealed class ConfigBackupService(
    IConfigDevices devices,
    PlugHttp http,
    PlugConfigReader reader,
    ConfigRestorer restorer,
    ConfigStore store,
    UniqueIdAliasTable aliases,
    TimeProvider time,
    ILogger<ConfigBackupService> logger)
{
    private readonly SemaphoreSlim _runGate = new(1, 1);

    /// <param name="deviceIds">Plugs to back up; null = every online plug.</param>
    /// <param name="trigger"><c>scheduled</c>, <c>manual</c>, ...; recorded with the run and each new version.</param>
    public async Task<IReadOnlyList<DeviceBackupResult>> BackupAsync(IReadOnlyCollection<string>? deviceIds, string trigger, CancellationToken ct)
    {
        await _runGate.WaitAsync(ct);
        try
        {
            var started = time.GetUtcNow();
            var all = devices.List();
            var wanted = deviceIds is null
                ? all.Where(d => d.Online).Select(d => (d.Id, Device: (ConfigDevice?)d)).ToList()
                : deviceIds.Distinct(StringComparer.Ordinal).Select(id => (id, all.FirstOrDefault(d => d.Id == id))).ToList();
            var results = new DeviceBackupResult[wanted.Count];
            await Parallel.ForEachAsync(Enumerable.Range(0, wanted.Count),
                new ParallelOptions { MaxDegreeOfParallelism = http.Options.Parallelism, CancellationToken = ct },
                async (i, token) => results[i] = await BackupOneAsync(wanted[i].Item1, wanted[i].Item2, trigger, token));
            var run = new ConfigRun(0, trigger, started, time.GetUtcNow(),
                results.Count(r => r.Outcome == "created"), results.Count(r => r.Outcome == "unchanged"), results.Count(r => r.Outcome is "failed" or "skipped"));
            await store.AddRunAsync(run, ct);
            logger.LogInformation("Configuration backup ({Trigger}): {Created} new version(s), {Unchanged} unchanged, {Failed} failed or offline",
                trigger, run.Created, run.Unchanged, run.Failed);
            return results;
        }
        finally
        {
            _runGate.Release();
        }
    }

    private async Task<DeviceBackupResult> BackupOneAsync(string id, ConfigDevice? device, string trigger, CancellationToken ct)
    {
        if (device is null)
        {
            return new DeviceBackupResult(id, id, "failed", null, "No such device.");
        }
        if (!device.Online)
        {
            var skipped = new DeviceBackupResult(id, device.Name, "skipped", null, "The plug is offline.");
            await store.RecordCheckAsync(new ConfigCheck(id, time.GetUtcNow(), skipped.Outcome, skipped.Error), ct);
            return skipped;
        }
        DeviceBackupResult result;
        try
        {
            var snapshot = await reader.ReadAsync(PlugHttp.Target(device, devices.HttpAccess), device.Mac, ct);
            var (version, created) = await store.AddIfChangedAsync(id, snapshot, trigger, ct);
            result = new DeviceBackupResult(id, device.Name, created ? "created" : "unchanged", version, null);
        }
        catch (PlugHttpException ex)
        {
            logger.LogWarning("Configuration backup of {Device} failed: {Message}", id, ex.Message);
            result = new DeviceBackupResult(id, device.Name, "failed", null, ex.Message);
        }
        await store.RecordCheckAsync(new ConfigCheck(id, time.GetUtcNow(), result.Outcome, result.Error), ct);
        return result;
    }

    /// <summary>
    /// Restores version <paramref name="version"/> of <paramref name="sourceDeviceId"/> onto <paramref name="targetDeviceId"/>
    /// (null = the same plug). Onto another plug it is a replacement: the original must be offline, and on success the
    /// replacement takes its Home Assistant unique ids (alias) and its hub name and area.
    /// </summary>
    public async Task<RestoreResult> RestoreAsync(string sourceDeviceId, int version, string? targetDeviceId, bool restart, CancellationToken ct)
    {
        var stored = await store.GetAsync(sourceDeviceId, version, ct)
            ?? throw new ConfigRestoreRefusedException($"No configuration version {version} of {sourceDeviceId}.");
        var targetId = string.IsNullOrEmpty(targetDeviceId) ? sourceDeviceId : targetDeviceId;
        var target = devices.Find(targetId) ?? throw new ConfigRestoreRefusedException($"No such device: {targetId}.");
        if (!target.Online)
        {
            throw new ConfigRestoreRefusedException($"{target.Name} is offline; a restore needs the plug on the network.");
        }
        var replacement = targetId != sourceDeviceId;
        var original = devices.Find(sourceDeviceId);
        if (replacement && original is { Online: true })
        {
            throw new ConfigRestoreRefusedException(
                $"{original.Name} is still online. A replacement takes over its Home Assistant entities; unplug the original first.");
        }
        PlugTarget plug;
        try
        {
            plug = PlugHttp.Target(target, devices.HttpAccess);
        }
        catch (PlugHttpException ex)
        {
            throw new ConfigRestoreRefusedException(ex.Message);
        }
        var result = await restorer.RestoreAsync(plug, target.Mac, stored.Snapshot, restart, ct);
        if (result.Ok && replacement)
        {
            // the alias first: the label copy below is then announced under the original's HA device, not the replacement's own
            await aliases.SetAsync(targetId, original ?? new ConfigDevice(sourceDeviceId, sourceDeviceId, null, null, null, false, null, null), ct);
            await devices.CopyLabelAsync(sourceDeviceId, targetId, ct);
        }
        logger.LogInformation("Restore of {Source} v{Version} onto {Target}: {Outcome}", sourceDeviceId, version, targetId, result.Ok ? "verified" : result.Error);
        return result;
    }
}
