using Microsoft.Extensions.Logging;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.Events;

namespace OpenBekenHub.Mqtt.State;

/// <summary>Loading, batched saving and user edits. Every store write happens under <see cref="_persist"/>.</summary>
public sealed partial class DeviceStateStore
{
    private readonly SemaphoreSlim _persist = new(1, 1);

    public async Task LoadAsync(CancellationToken ct)
    {
        var records = await _store.LoadAllAsync(ct).ConfigureAwait(false);
        lock (_gate)
        {
            foreach (var record in records)
            {
                if (record.ForgottenAt is not null)
                {
                    _forgotten[record.Id] = record;
                    _forgottenByTopic[record.ClientTopic] = record.Id;
                    continue;
                }
                // no channel values and unknown availability: only the plug can tell what they are now
                var entry = new Entry(record.ClientTopic) { Record = record, Confirmed = true, LastSeen = record.LastSeen };
                _byId[record.Id] = entry;
                _byTopic[record.ClientTopic] = entry;
            }
        }
        _logger.LogInformation("Loaded {Count} devices from the store ({Forgotten} forgotten)", _byId.Count, _forgotten.Count);
    }

    /// <summary>Writes changed records; with <paramref name="includeLastSeen"/> also those only seen. Failed writes are retried next time.</summary>
    public async Task FlushAsync(bool includeLastSeen, CancellationToken ct)
    {
        await _persist.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            List<DeviceRecord> batch = [];
            lock (_gate)
            {
                foreach (var entry in _byId.Values)
                {
                    if (!(entry.Dirty || (includeLastSeen && entry.Seen)))
                    {
                        continue;
                    }
                    if (entry.LastSeen > entry.Record!.LastSeen)
                    {
                        entry.Record = entry.Record with { LastSeen = entry.LastSeen };
                    }
                    entry.Dirty = false;
                    entry.Seen = false;
                    batch.Add(entry.Record);
                }
            }
            for (var i = 0; i < batch.Count; i++)
            {
                try
                {
                    await _store.UpsertAsync(batch[i], ct).ConfigureAwait(false);
                }
                catch
                {
                    MarkDirty(batch.Skip(i).Select(r => r.Id));
                    throw;
                }
            }
        }
        finally
        {
            _persist.Release();
        }
    }

    private void MarkDirty(IEnumerable<string> ids)
    {
        lock (_gate)
        {
            foreach (var id in ids)
            {
                if (_byId.TryGetValue(id, out var e))
                {
                    e.Dirty = true;
                }
            }
        }
    }

    /// <summary>Changes name and/or area (null = keep, empty = clear) and saves at once. HA entities keep their unique ids.</summary>
    public async Task<DeviceSnapshot?> UpdateAsync(string id, string? friendlyName, string? area, CancellationToken ct)
    {
        await _persist.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var snapshot = Mutate(id, r => r with
            {
                FriendlyName = friendlyName is null ? r.FriendlyName : NullIfEmpty(friendlyName),
                Area = area is null ? r.Area : NullIfEmpty(area),
            });
            if (snapshot is not null)
            {
                await _store.UpsertAsync(snapshot.Record, ct).ConfigureAwait(false);
            }
            return snapshot;
        }
        finally
        {
            _persist.Release();
        }
    }

    /// <summary>Replaces stored facts (channel roles from provisioning, legacy unique ids after a migration); saved by the next flush.</summary>
    public DeviceSnapshot? Mutate(string id, Func<DeviceRecord, DeviceRecord> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_gate)
        {
            if (!_byId.TryGetValue(id, out var entry))
            {
                return null;
            }
            var next = change(entry.Record!) with { Id = entry.Record!.Id, ClientTopic = entry.Record.ClientTopic, Mac = entry.Record.Mac };
            UpdateRecordLocked(entry, next, _time.GetUtcNow());
            return Snapshot(entry);
        }
    }

    private static string? NullIfEmpty(string text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
