using OpenBekenHub.Mqtt.HomeAssistant;
using OpenBekenHub.Store;

namespace OpenBekenHub.Configs;

/// <summary>
/// Replacement plugs and the Home Assistant device they carry on (the bridge's <see cref="IHomeAssistantIdentities"/>).
/// A replacement (restored from another plug's configuration) is announced as the plug it replaced, so HA keeps its
/// entities, history and automations; the replaced plug is not announced again. A chain (C replaces B, which replaced
/// A) resolves to A, and the newest replacement of a plug is the one that carries it. In memory (read on every
/// discovery build), persisted in the store.
/// </summary>
public sealed class UniqueIdAliasTable(ConfigStore store, TimeProvider time) : IHomeAssistantIdentities
{
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _writes = new(1, 1);
    private Task? _load;
    private View _view = View.Of([]);

    public event Action<string>? Replaced;

    public IReadOnlyList<UniqueIdAlias> All => [.. Volatile.Read(ref _view).ByDevice.Values.OrderBy(a => a.DeviceId, StringComparer.Ordinal)];

    public HomeAssistantIdentity? Of(string deviceId)
    {
        var view = Volatile.Read(ref _view);
        view.ByDevice.TryGetValue(deviceId, out var alias);
        var baseId = alias?.UniqueIdBase ?? deviceId;
        var holder = view.HolderOf.GetValueOrDefault(baseId, baseId);
        if (alias is null && holder == deviceId)
        {
            return null; // neither a replacement nor replaced
        }
        return new HomeAssistantIdentity(baseId, alias?.LegacyUniqueIds ?? view.LegacyOf(baseId), holder == deviceId ? null : holder);
    }

    /// <summary>The id <paramref name="deviceId"/>'s HA device and unique ids are built from.</summary>
    public string UniqueIdBase(string deviceId) => Of(deviceId)?.BaseId ?? deviceId;

    /// <summary>The plug that carries <paramref name="deviceId"/>'s HA device now, or null.</summary>
    public string? ReplacedBy(string deviceId) => Of(deviceId)?.ReplacedBy;

    /// <summary>The plug <paramref name="deviceId"/> was restored from as a replacement, or null.</summary>
    public string? Replaces(string deviceId) => Volatile.Read(ref _view).ByDevice.TryGetValue(deviceId, out var a) ? a.ReplacedDeviceId : null;

    public Task LoadAsync(CancellationToken ct)
    {
        lock (_gate)
        {
            _load ??= LoadOnceAsync();
        }
        return _load.WaitAsync(ct);
    }

    private async Task LoadOnceAsync()
    {
        var loaded = await store.AliasesAsync(CancellationToken.None);
        lock (_gate)
        {
            _view = View.Of(loaded);
        }
    }

    /// <summary>
    /// <paramref name="replacement"/> now carries <paramref name="original"/>'s HA device: its id base (A's for a
    /// chain) and its legacy unique ids. Raises <see cref="Replaced"/> so the replacement is announced at once.
    /// </summary>
    public async Task SetAsync(string replacement, ConfigDevice original, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(original);
        if (replacement == original.Id)
        {
            throw new ArgumentException("a plug cannot replace itself", nameof(replacement));
        }
        await LoadAsync(ct);
        var predecessor = Of(original.Id);
        var alias = new UniqueIdAlias(replacement, predecessor?.BaseId ?? original.Id, original.Id, time.GetUtcNow())
        {
            LegacyUniqueIds = predecessor?.LegacyUniqueIds ?? original.LegacyUniqueIds,
        };
        await PutAsync(alias, overwrite: true, ct);
        Replaced?.Invoke(replacement);
    }

    /// <summary>Merges an alias from an import (an existing one for the same device wins).</summary>
    public async Task<bool> ImportAsync(UniqueIdAlias alias, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(alias);
        await LoadAsync(ct);
        if (!await PutAsync(alias with { LegacyUniqueIds = alias.LegacyUniqueIds ?? new Dictionary<string, string>() }, overwrite: false, ct))
        {
            return false;
        }
        Replaced?.Invoke(alias.DeviceId);
        return true;
    }

    private async Task<bool> PutAsync(UniqueIdAlias alias, bool overwrite, CancellationToken ct)
    {
        await _writes.WaitAsync(ct);
        try
        {
            var current = Volatile.Read(ref _view).ByDevice;
            if (!overwrite && current.ContainsKey(alias.DeviceId))
            {
                return false;
            }
            await store.SetAliasAsync(alias, ct);
            var next = new Dictionary<string, UniqueIdAlias>(current, StringComparer.Ordinal) { [alias.DeviceId] = alias };
            lock (_gate)
            {
                _view = View.Of(next.Values);
            }
            return true;
        }
        finally
        {
            _writes.Release();
        }
    }

    /// <summary>An immutable view, swapped whole: readers (every discovery build) never lock.</summary>
    private sealed record View(IReadOnlyDictionary<string, UniqueIdAlias> ByDevice, IReadOnlyDictionary<string, string> HolderOf)
    {
        /// <summary>The newest alias per base carries that HA device.</summary>
        public static View Of(IEnumerable<UniqueIdAlias> aliases)
        {
            var byDevice = aliases.ToDictionary(a => a.DeviceId, StringComparer.Ordinal);
            var holders = byDevice.Values.GroupBy(a => a.UniqueIdBase, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.MaxBy(a => a.Created)!.DeviceId, StringComparer.Ordinal);
            return new View(byDevice, holders);
        }

        /// <summary>A replaced first plug's legacy ids, as its replacements stored them.</summary>
        public IReadOnlyDictionary<string, string> LegacyOf(string baseId) =>
            ByDevice.Values.Where(a => a.UniqueIdBase == baseId).MaxBy(a => a.Created)?.LegacyUniqueIds ?? new Dictionary<string, string>();
    }
}
