using System.Collections.Concurrent;
using OpenBekenHub.Store;

namespace OpenBekenHub.Configs;

/// <summary>
/// Which id a device's Home Assistant unique ids are built from. A replacement plug (restored from another plug's
/// configuration) keeps the replaced plug's base, so HA keeps its entities, history and automations.
/// The HA extension builds <c>uniq_id</c> as <c>UniqueIdBase(deviceId) + "_" + key</c> instead of <c>deviceId + "_" + key</c>.
/// </summary>
public interface IUniqueIdAliases
{
    /// <summary>The base for <paramref name="deviceId"/>'s unique ids: the replaced plug's base, else the device id itself.</summary>
    string UniqueIdBase(string deviceId);

    /// <summary>The device that took over <paramref name="deviceId"/>'s unique ids, or null (then announce it as usual).</summary>
    string? ReplacedBy(string deviceId);
}

/// <summary>The aliases in memory (read on every discovery build), persisted in the store.</summary>
public sealed class UniqueIdAliasTable(ConfigStore store, TimeProvider time) : IUniqueIdAliases
{
    private readonly ConcurrentDictionary<string, UniqueIdAlias> _byDevice = new(StringComparer.Ordinal);

    public string UniqueIdBase(string deviceId) => _byDevice.TryGetValue(deviceId, out var a) ? a.UniqueIdBase : deviceId;

    public string? ReplacedBy(string deviceId) =>
        _byDevice.Values.Where(a => a.ReplacedDeviceId == deviceId).OrderByDescending(a => a.Created).Select(a => a.DeviceId).FirstOrDefault();

    public IReadOnlyList<UniqueIdAlias> All => [.. _byDevice.Values.OrderBy(a => a.DeviceId, StringComparer.Ordinal)];

    public async Task LoadAsync(CancellationToken ct)
    {
        foreach (var alias in await store.AliasesAsync(ct))
        {
            _byDevice[alias.DeviceId] = alias;
        }
    }

    /// <summary>
    /// <paramref name="replacementId"/> now stands for <paramref name="originalId"/>; a chain (C replaces B, which
    /// replaced A) resolves to A's base, so HA sees one continuous device.
    /// </summary>
    public async Task SetAsync(string replacementId, string originalId, CancellationToken ct)
    {
        if (replacementId == originalId)
        {
            throw new ArgumentException("a plug cannot replace itself", nameof(replacementId));
        }
        var alias = new UniqueIdAlias(replacementId, UniqueIdBase(originalId), originalId, time.GetUtcNow());
        await store.SetAliasAsync(alias, ct);
        _byDevice[replacementId] = alias;
    }

    /// <summary>Merges an alias from an import (an existing one for the same device wins).</summary>
    public async Task<bool> ImportAsync(UniqueIdAlias alias, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(alias);
        if (_byDevice.ContainsKey(alias.DeviceId))
        {
            return false;
        }
        await store.SetAliasAsync(alias, ct);
        _byDevice[alias.DeviceId] = alias;
        return true;
    }
}
