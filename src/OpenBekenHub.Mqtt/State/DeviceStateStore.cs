using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.Events;
using OpenBekenHub.Mqtt.Options;
using OpenBekenHub.Mqtt.Parsing;

namespace OpenBekenHub.Mqtt.State;

/// <summary>
/// The single owner of device state. Every change (observations from plugs, adoption, forget, rename, persistence)
/// happens under one lock, and events are raised under that lock, so they reach the bus in the order the changes
/// happened. Persistence and forget also share one async gate, so a flush can never undo a forget.
/// Channels have no value until the plug reports one; availability is <see cref="Availability.Unknown"/> until the
/// plug's LWT or its own live traffic says otherwise.
/// </summary>
public sealed partial class DeviceStateStore
{
    private static readonly TimeSpan IdentityRetry = TimeSpan.FromSeconds(10);
    private const int MaxGarbageLogged = 1000;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _byTopic = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Entry> _byId = new(StringComparer.Ordinal);
    private readonly HashSet<string> _garbageLogged = new(StringComparer.Ordinal);
    private readonly IDeviceStore _store;
    private readonly HubEventBus _bus;
    private readonly BridgeOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private int _pending;
    private long _garbage;

    public DeviceStateStore(IDeviceStore store, HubEventBus bus, BridgeOptions? options = null, ILogger<DeviceStateStore>? logger = null, TimeProvider? time = null)
    {
        _store = store;
        _bus = bus;
        _options = options ?? new BridgeOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Adopted devices.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _byId.Count;
            }
        }
    }

    /// <summary>Messages refused as garbage (bad payloads, oversized) — for tests and diagnostics.</summary>
    public long GarbageCount => Interlocked.Read(ref _garbage);

    public IReadOnlyList<DeviceSnapshot> List()
    {
        lock (_gate)
        {
            var list = new List<DeviceSnapshot>(_byId.Count);
            foreach (var e in _byId.Values)
            {
                list.Add(Snapshot(e));
            }
            list.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
            return list;
        }
    }

    public DeviceSnapshot? Find(string id)
    {
        lock (_gate)
        {
            return _byId.TryGetValue(id, out var e) ? Snapshot(e) : null;
        }
    }

    public DeviceSnapshot? FindByTopic(string clientTopic)
    {
        lock (_gate)
        {
            return _byTopic.TryGetValue(clientTopic, out var e) && e.Record is not null ? Snapshot(e) : null;
        }
    }

    /// <summary>Client topics seen on the broker that are not adopted yet.</summary>
    public IReadOnlyList<string> PendingTopics()
    {
        lock (_gate)
        {
            return _byTopic.Where(kv => kv.Value.Record is null).Select(kv => kv.Key).ToList();
        }
    }

    /// <summary>Applies what one plug message said. Never throws for bad input.</summary>
    public void Apply(ObkMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var c = message.ClientTopic;
        if (message.Rejected)
        {
            Garbage(c, message.Rejection!);
            return;
        }
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var live = !message.Retained;
            if (_forgottenByTopic.ContainsKey(c))
            {
                // only the plug itself connecting again brings a forgotten device back; the hub's own requests never do
                if (!live || !message.Observations.Any(o => o is ConnectedChanged { Online: true }))
                {
                    return;
                }
                ReadoptLocked(c, now);
            }
            if (!_byTopic.TryGetValue(c, out var entry))
            {
                if (message.Observations.Count == 0 || message.Observations is [ConnectedChanged { Online: false }])
                {
                    return; // a dead or silent topic teaches nothing worth a pending entry
                }
                if (_pending >= _options.MaxUnconfirmedDevices)
                {
                    RefusePendingLocked(c, now);
                    return;
                }
                entry = new Entry(c);
                _byTopic[c] = entry;
                _pending++;
            }
            foreach (var o in message.Observations)
            {
                ApplyOneLocked(entry, o, live, now);
            }
            // a live STATUS 5 answer (stat/<c>/..., never a bare "<c>/mac") proves the plug is connected as much as its birth
            // does: the retained "connected online" can cross the hub's subscription on the embedded broker and be missed,
            // and the plug never repeats it
            if (live && message.Observations.Any(o => o is IdentityReported) && message.Observations.Any(o => o is StatReplied))
            {
                entry.Confirmed = true;
            }
            // Only a connected plug publishes, so its live traffic proves it is online; the LWT "offline" is the broker's.
            if (live && message.Observations is not [ConnectedChanged { Online: false }])
            {
                SetAvailabilityLocked(entry, Availability.Online, now);
            }
            entry.LastSeen = now;
            entry.Seen = true;
            if (entry.Record is null)
            {
                AdoptOrAskLocked(entry, now);
            }
        }
    }

    private void ApplyOneLocked(Entry entry, ObkObservation o, bool live, DateTimeOffset now)
    {
        switch (o)
        {
            case ConnectedChanged { Online: true }:
                entry.Confirmed = true;
                break;
            case ConnectedChanged:
                SetAvailabilityLocked(entry, Availability.Offline, now);
                break;
            case IdentityReported id:
                IdentityLocked(entry, id, now);
                break;
            case IpReported ip:
                FactLocked(entry, r => r with { Ip = ip.Ip }, p => p.Ip = ip.Ip, now);
                break;
            case BuildReported b:
                FactLocked(entry, r => r.Build == b.Build || (r.Build is not null && r.Version == b.Version && b.Build.Length <= r.Build.Length)
                    ? r : r with { Build = b.Build, Chip = b.Chip ?? r.Chip }, p => (p.Build, p.Chip) = (b.Build, b.Chip), now);
                break;
            case HostReported h:
                FactLocked(entry, r => r with { ShortName = h.ShortName }, p => p.ShortName = h.ShortName, now);
                break;
            case ChannelReported ch:
                ChannelLocked(entry, ch.Channel, ch.Value, now);
                break;
            case PowerReported power:
                if (RelayChannel(entry, power.RelayIndex) is { } channel)
                {
                    ChannelLocked(entry, channel, power.On ? 1 : 0, now);
                }
                break;
            case MeterReported m:
                entry.Readings[m.Quantity] = m.Value;
                if (entry.Record is { HasPowerMeter: false } r)
                {
                    UpdateRecordLocked(entry, r with { HasPowerMeter = true }, now);
                }
                entry.Meter = true;
                Raise(entry, id => new ReadingChanged(now, id, m.Quantity, m.Value));
                break;
            case DiagnosticReported d:
                entry.Readings[d.Quantity] = d.Value;
                Raise(entry, id => new ReadingChanged(now, id, d.Quantity, d.Value));
                break;
            case StatReplied s when live:
                Raise(entry, id => new StatReplyReceived(now, id, entry.Topic, s.Kind, s.Payload));
                break;
        }
    }

    private void ChannelLocked(Entry entry, int channel, int value, DateTimeOffset now)
    {
        var changed = !entry.Channels.TryGetValue(channel, out var old) || old != value;
        entry.Channels[channel] = value;
        if (entry.Record is { } r && r.Channels.All(x => x.Channel != channel))
        {
            UpdateRecordLocked(entry, r with { Channels = [.. r.Channels, new ChannelInfo(channel, ChannelRole.Relay)] }, now);
        }
        if (changed)
        {
            Raise(entry, id => new ChannelChanged(now, id, channel, value));
        }
    }

    /// <summary>Tasmota's relay index → channel: <c>POWER</c> is the first relay; <c>POWERn</c> is channel n, or n-1 when a relay sits on channel 0.</summary>
    private static int? RelayChannel(Entry entry, int? index)
    {
        if (entry.Record is null)
        {
            return null;
        }
        var relays = entry.Record.Channels.Where(x => x.Role == ChannelRole.Relay).Select(x => x.Channel).Order().ToList();
        if (index is null)
        {
            return relays.Count == 0 ? null : relays[0];
        }
        return relays.Contains(0) ? index - 1 : index;
    }

    private void FactLocked(Entry entry, Func<DeviceRecord, DeviceRecord> change, Action<Entry> pending, DateTimeOffset now)
    {
        if (entry.Record is null)
        {
            pending(entry);
            return;
        }
        UpdateRecordLocked(entry, change(entry.Record), now);
    }

    private void UpdateRecordLocked(Entry entry, DeviceRecord next, DateTimeOffset now)
    {
        if (next == entry.Record)
        {
            return;
        }
        entry.Record = next;
        entry.Dirty = true;
        _bus.Publish(new DeviceUpdated(now, Snapshot(entry)));
    }

    private void SetAvailabilityLocked(Entry entry, Availability availability, DateTimeOffset now)
    {
        if (entry.Availability == availability)
        {
            return;
        }
        entry.Availability = availability;
        Raise(entry, id => new DeviceAvailabilityChanged(now, id, availability));
    }

    /// <summary>Events are about adopted devices only; pending topics stay internal.</summary>
    private void Raise(Entry entry, Func<string, HubEvent> make)
    {
        if (entry.Record is { } r)
        {
            _bus.Publish(make(r.Id));
        }
    }

    private void Garbage(string c, string reason)
    {
        Interlocked.Increment(ref _garbage);
        bool first;
        lock (_gate)
        {
            first = _garbageLogged.Count < MaxGarbageLogged && _garbageLogged.Add(c);
        }
        if (first)
        {
            _logger.LogWarning("Ignoring a bad message from {Topic} ({Reason}); further bad messages from it are counted silently", c, reason);
        }
    }

    private static DeviceSnapshot Snapshot(Entry e) => new(
        e.Record!,
        e.Availability,
        new Dictionary<int, int>(e.Channels),
        new Dictionary<string, double>(e.Readings, StringComparer.Ordinal),
        e.Readings.TryGetValue("rssi", out var rssi) ? (int)rssi : null,
        e.Readings.TryGetValue("uptime", out var up) ? (long)up : null)
    {
        Conflict = e.Conflict,
    };

    private sealed class Entry(string topic)
    {
        public string Topic = topic;
        public DeviceRecord? Record;
        public Availability Availability;
        public bool Confirmed;
        public readonly Dictionary<int, int> Channels = [];
        public readonly Dictionary<string, double> Readings = new(StringComparer.Ordinal);
        public DateTimeOffset LastSeen;
        public bool Dirty;
        public bool Seen;
        public long LastIdentityRequest;
        public string? Mac;
        public string? Ip;
        public string? Build;
        public string? Chip;
        public string? ShortName;
        public bool Meter;
        public bool Blocked;
        public IdentityConflict? Conflict;
    }

    private static bool Due(long last) => last == 0 || Stopwatch.GetElapsedTime(last) >= IdentityRetry;
}
