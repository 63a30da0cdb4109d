using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.Events;
using OpenBekenHub.Mqtt.Parsing;

namespace OpenBekenHub.Mqtt.State;

/// <summary>
/// Identity: adoption, conflicts, forget. A device is adopted once its topic has shown both its MAC and a
/// <c>connected online</c>. Identity never moves because a message says so: a known MAC on another topic, or another MAC
/// on a known topic, is recorded as a conflict and waits for the user (<see cref="ApproveMove"/>).
/// </summary>
public sealed partial class DeviceStateStore
{
    private readonly Dictionary<string, DeviceRecord> _forgotten = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _forgottenByTopic = new(StringComparer.Ordinal);
    private long _refused;
    private long _lastRefusalLog;

    /// <summary>Client topics refused because too many unconfirmed ones were pending.</summary>
    public long RefusedCount => Interlocked.Read(ref _refused);

    /// <summary>Devices the user forgot, newest first: the "seen but forgotten" list.</summary>
    public IReadOnlyList<DeviceRecord> Forgotten()
    {
        lock (_gate)
        {
            return _forgotten.Values.OrderByDescending(r => r.ForgottenAt).ToList();
        }
    }

    private void IdentityLocked(Entry entry, IdentityReported id, DateTimeOffset now)
    {
        if (entry.Record is { } r)
        {
            if (r.Mac == id.Mac)
            {
                if (id.Ip is not null)
                {
                    UpdateRecordLocked(entry, r with { Ip = id.Ip }, now);
                }
                return;
            }
            if (entry.Conflict?.ReportedMac != id.Mac)
            {
                _logger.LogWarning("Client topic {Topic} of device {Id} reported another MAC {Mac} (a cloned config or a forged message); not moved, waiting for approval",
                    entry.Topic, r.Id, id.Mac);
                entry.Conflict = new IdentityConflict(entry.Topic, id.Mac, now) { IsMove = false };
                _bus.Publish(new DeviceUpdated(now, Snapshot(entry)));
            }
            return;
        }
        entry.Mac = id.Mac;
        entry.Ip = id.Ip ?? entry.Ip;
    }

    private void AdoptOrAskLocked(Entry entry, DateTimeOffset now)
    {
        if (entry.Blocked)
        {
            return;
        }
        if (entry.Mac is null)
        {
            if (Due(entry.LastIdentityRequest))
            {
                entry.LastIdentityRequest = Stopwatch.GetTimestamp();
                _bus.Publish(new IdentityNeeded(now, entry.Topic));
            }
            return;
        }
        if (!entry.Confirmed)
        {
            return; // a MAC alone (e.g. one "<c>/mac" publish) does not make a device: its "connected online" must come too
        }
        var id = DeviceRecord.IdFromMac(entry.Mac);
        if (_forgotten.ContainsKey(id))
        {
            entry.Blocked = true;
            return;
        }
        if (_byId.TryGetValue(id, out var existing))
        {
            entry.Blocked = true;
            if (existing.Conflict?.ReportedTopic != entry.Topic)
            {
                _logger.LogWarning("MAC {Mac} of device {Id} (client topic {Known}) was reported on client topic {Topic}; not moved, waiting for approval on the device page",
                    entry.Mac, id, existing.Topic, entry.Topic);
                existing.Conflict = new IdentityConflict(entry.Topic, entry.Mac, now);
                _bus.Publish(new DeviceUpdated(now, Snapshot(existing)));
            }
            return;
        }
        var channels = entry.Channels.Keys.Order().Select(ch => new ChannelInfo(ch, ChannelRole.Relay)).ToList();
        entry.Record = new DeviceRecord(id, entry.Topic, entry.Mac, entry.Ip, entry.Build, entry.Chip ?? DeviceRecord.ParseBuild(entry.Build).Chip, now, now, null, null)
        {
            Channels = channels,
            HasPowerMeter = entry.Meter,
            ShortName = entry.ShortName,
        };
        entry.Dirty = true;
        _byId[id] = entry;
        _pending--;
        _logger.LogInformation("Adopted OpenBeken device {Id} (client topic {Topic})", id, entry.Topic);
        _bus.Publish(new DeviceAdopted(now, Snapshot(entry)));
    }

    /// <summary>Asks again (at most <paramref name="max"/>) the unidentified topics whose first request may have been lost.</summary>
    public int RetryIdentities(int max)
    {
        var asked = 0;
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            foreach (var entry in _byTopic.Values)
            {
                if (asked >= max)
                {
                    break;
                }
                if (entry.Record is null && !entry.Blocked && entry.Mac is null && entry.Availability != Availability.Offline && Due(entry.LastIdentityRequest))
                {
                    entry.LastIdentityRequest = Stopwatch.GetTimestamp();
                    _bus.Publish(new IdentityNeeded(now, entry.Topic));
                    asked++;
                }
            }
        }
        return asked;
    }

    /// <summary>Drops unconfirmed topics silent for <see cref="Options.BridgeOptions.UnconfirmedIdle"/>; returns how many.</summary>
    public int PruneUnconfirmed()
    {
        var limit = _time.GetUtcNow() - _options.UnconfirmedIdle;
        lock (_gate)
        {
            var stale = _byTopic.Where(kv => kv.Value.Record is null && kv.Value.LastSeen < limit).Select(kv => kv.Key).ToList();
            foreach (var topic in stale)
            {
                _byTopic.Remove(topic);
                _pending--;
            }
            return stale.Count;
        }
    }

    private void RefusePendingLocked(string c, DateTimeOffset now)
    {
        Interlocked.Increment(ref _refused);
        var last = Interlocked.Read(ref _lastRefusalLog);
        if (last == 0 || Stopwatch.GetElapsedTime(last) >= TimeSpan.FromMinutes(1))
        {
            Interlocked.Exchange(ref _lastRefusalLog, Stopwatch.GetTimestamp());
            _logger.LogWarning("Too many unconfirmed client topics ({Max}); ignoring {Topic} and others ({Refused} so far). Bridge:MaxUnconfirmedDevices raises the limit",
                _options.MaxUnconfirmedDevices, c, RefusedCount);
        }
    }

    /// <summary>Approves a pending move: the device takes the client topic its MAC was reported on. Null when there is none.</summary>
    public DeviceSnapshot? ApproveMove(string id)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (!_byId.TryGetValue(id, out var entry) || entry.Conflict is not { IsMove: true } conflict)
            {
                return null;
            }
            var target = conflict.ReportedTopic;
            if (_byTopic.TryGetValue(target, out var there))
            {
                if (there.Record is not null)
                {
                    return null; // another adopted device holds that topic
                }
                _byTopic.Remove(target);
                _pending--;
                entry.Availability = there.Availability;
                entry.Channels.Clear();
                foreach (var (ch, v) in there.Channels)
                {
                    entry.Channels[ch] = v;
                }
            }
            _byTopic.Remove(entry.Topic);
            _logger.LogWarning("Device {Id} moved from client topic {Old} to {New} (approved by the user)", id, entry.Topic, target);
            entry.Topic = target;
            entry.Conflict = null;
            entry.Record = entry.Record! with { ClientTopic = target, Ip = there?.Ip, LastSeen = now };
            entry.Dirty = true;
            _byTopic[target] = entry;
            var snapshot = Snapshot(entry);
            _bus.Publish(new DeviceUpdated(now, snapshot));
            return snapshot;
        }
    }

    /// <summary>
    /// Forgets a device: gone (events, HA, store marks it forgotten) until the plug itself connects again or the user
    /// adopts it back. Runs under the persistence gate, so no flush can write the device back.
    /// </summary>
    public async Task<DeviceSnapshot?> ForgetAsync(string id, CancellationToken ct)
    {
        await _persist.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            DeviceSnapshot snapshot;
            DeviceRecord record;
            List<DeviceRecord> evicted = [];
            var now = _time.GetUtcNow();
            lock (_gate)
            {
                if (!_byId.Remove(id, out var entry))
                {
                    return null;
                }
                _byTopic.Remove(entry.Topic);
                snapshot = Snapshot(entry);
                record = entry.Record! with { ForgottenAt = now, LastSeen = entry.LastSeen > entry.Record!.LastSeen ? entry.LastSeen : entry.Record.LastSeen };
                _forgotten[id] = record;
                _forgottenByTopic[record.ClientTopic] = id;
                while (_forgotten.Count > _options.MaxForgottenDevices)
                {
                    var oldest = _forgotten.Values.MinBy(r => r.ForgottenAt)!;
                    _forgotten.Remove(oldest.Id);
                    _forgottenByTopic.Remove(oldest.ClientTopic);
                    evicted.Add(oldest);
                }
                _bus.Publish(new DeviceForgotten(now, id));
            }
            await _store.UpsertAsync(record, ct).ConfigureAwait(false);
            foreach (var old in evicted)
            {
                await _store.DeleteAsync(old.Id, ct).ConfigureAwait(false);
            }
            _logger.LogInformation("Forgot device {Id} (client topic {Topic})", id, record.ClientTopic);
            return snapshot;
        }
        finally
        {
            _persist.Release();
        }
    }

    /// <summary>The user adopts a forgotten device back. Its availability is unknown until it speaks.</summary>
    public async Task<DeviceSnapshot?> AdoptForgottenAsync(string id, CancellationToken ct)
    {
        await _persist.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            DeviceSnapshot? snapshot;
            lock (_gate)
            {
                if (!_forgotten.TryGetValue(id, out var record) || (_byTopic.TryGetValue(record.ClientTopic, out var there) && there.Record is not null))
                {
                    return null;
                }
                snapshot = ReadoptLocked(record.ClientTopic, _time.GetUtcNow());
                _byId[id].Dirty = false; // written just below
            }
            await _store.UpsertAsync(snapshot!.Record, ct).ConfigureAwait(false);
            return snapshot;
        }
        finally
        {
            _persist.Release();
        }
    }

    private DeviceSnapshot? ReadoptLocked(string topic, DateTimeOffset now)
    {
        if (!_forgottenByTopic.Remove(topic, out var id) || !_forgotten.Remove(id, out var record))
        {
            return null;
        }
        if (!_byTopic.TryGetValue(topic, out var entry))
        {
            entry = new Entry(topic);
            _byTopic[topic] = entry;
        }
        else if (entry.Record is null)
        {
            _pending--;
        }
        entry.Record = record with { ForgottenAt = null };
        entry.Confirmed = true;
        entry.Blocked = false;
        entry.Dirty = true;
        _byId[id] = entry;
        _logger.LogInformation("Device {Id} (client topic {Topic}) adopted again", id, topic);
        var snapshot = Snapshot(entry);
        _bus.Publish(new DeviceAdopted(now, snapshot));
        return snapshot;
    }
}
