using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenBekenHub.Mqtt.Connection;
using OpenBekenHub.Mqtt.Events;

namespace OpenBekenHub.Mqtt.Devices;

/// <summary>
/// Live state of every OpenBeken device, learned from its topics (no manual registration). A device is adopted once
/// its MAC is known (<c>&lt;c&gt;/mac</c> or the <c>STATUS 5</c> reply the registry asks for). Garbage payloads are logged
/// once per device and ignored. Stored facts go through <see cref="IDeviceStore"/> (batched by <see cref="FlushAsync"/>).
/// </summary>
public sealed class DeviceRegistry
{
    private static readonly TimeSpan IdentityRetry = TimeSpan.FromSeconds(10);
    private const int MaxPending = 50_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _byTopic = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Entry> _byId = new(StringComparer.Ordinal);
    private readonly HashSet<string> _forgottenTopics = new(StringComparer.Ordinal);
    private readonly HashSet<string> _garbageLogged = new(StringComparer.Ordinal);
    private readonly IDeviceStore _store;
    private readonly HubEventBus _bus;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public DeviceRegistry(IDeviceStore store, HubEventBus bus, ILogger<DeviceRegistry>? logger = null, TimeProvider? time = null)
    {
        _store = store;
        _bus = bus;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>A client topic was seen whose MAC is unknown: ask it (<c>cmnd/&lt;c&gt;/STATUS 5</c>).</summary>
    public event Action<string>? IdentityNeeded;

    /// <summary>What HA discovery depends on changed (adoption, name, area, channels, meter, build, IP).</summary>
    public event Action<string>? DefinitionChanged;

    /// <summary>A <c>stat/&lt;c&gt;/&lt;kind&gt;</c> reply arrived (client topic, kind, payload); the command service waits on these.</summary>
    public event Action<string, string, string>? StatReceived;

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

    /// <summary>Number of messages ignored as garbage (for tests and diagnostics).</summary>
    public long GarbageCount => Interlocked.Read(ref _garbage);

    private long _garbage;

    public async Task LoadAsync(CancellationToken ct)
    {
        var records = await _store.LoadAllAsync(ct).ConfigureAwait(false);
        lock (_gate)
        {
            foreach (var record in records)
            {
                var entry = new Entry { Record = record };
                foreach (var ch in record.Channels)
                {
                    entry.Channels.TryAdd(ch.Channel, 0);
                }
                _byId[record.Id] = entry;
                _byTopic[record.ClientTopic] = entry;
            }
        }
        _logger.LogInformation("Loaded {Count} devices from the store", records.Count);
    }

    public IReadOnlyList<DeviceSnapshot> List()
    {
        lock (_gate)
        {
            return _byId.Values.Select(Snapshot).OrderBy(d => d.Id, StringComparer.Ordinal).ToList();
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

    /// <summary>Handles one message from the broker. Never throws for bad input.</summary>
    public void Handle(BrokerMessage message)
    {
        try
        {
            HandleCore(message);
            if (!message.Retain && message.Payload.Length > 0 && !message.Topic.EndsWith("/connected", StringComparison.Ordinal))
            {
                MarkAlive(TopicOwner(message.Topic));
            }
        }
        catch (Exception ex) when (ex is FormatException or JsonException or ArgumentException or InvalidOperationException or OverflowException)
        {
            Garbage(TopicOwner(message.Topic), message.Topic, ex.Message);
        }
    }

    /// <summary>
    /// Only a connected plug publishes, so live (not retained) traffic proves it is online even when its retained
    /// "connected online" was missed (a broker that dropped it from a full queue, a bridge that subscribed late).
    /// </summary>
    private void MarkAlive(string c)
    {
        string? id;
        lock (_gate)
        {
            if (!_byTopic.TryGetValue(c, out var entry) || entry.Online)
            {
                return;
            }
            entry.Online = true;
            id = entry.Record?.Id;
        }
        if (id is not null)
        {
            _bus.Publish(new DeviceAvailabilityChanged(_time.GetUtcNow(), id, true));
        }
    }

    private static string TopicOwner(string topic)
    {
        var parts = topic.Split('/');
        return parts[0] == "stat" && parts.Length > 1 ? parts[1] : parts[0];
    }

    private void HandleCore(BrokerMessage m)
    {
        var parts = m.Topic.Split('/');
        if (parts.Length == 3 && parts[0] == "stat")
        {
            HandleStat(parts[1], parts[2], m.Payload);
            return;
        }
        if (parts.Length == 2)
        {
            HandleTopLevel(parts[0], parts[1], m);
            return;
        }
        if (parts.Length == 3 && parts[2] == "get")
        {
            if (m.Payload.Length == 0)
            {
                return; // a /get request (from the hub or HA), not a state
            }
            if (int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ch))
            {
                HandleChannel(parts[0], ch, m.Payload);
            }
            else if (ObkTopics.MeterQuantities.Contains(parts[1]))
            {
                HandleReading(parts[0], parts[1], m.Payload, meter: true);
            }
        }
    }

    private void HandleTopLevel(string c, string name, BrokerMessage m)
    {
        var payload = m.Payload.Trim();
        switch (name)
        {
            case "connected":
                if (payload is not ("online" or "offline"))
                {
                    Garbage(c, m.Topic, "expected online/offline");
                    return;
                }
                HandleConnected(c, payload == "online", m.Retain);
                return;
            case "mac":
                var mac = DeviceRecord.NormalizeMac(payload);
                if (mac is null)
                {
                    Garbage(c, m.Topic, "not a MAC address");
                    return;
                }
                Adopt(c, mac, ip: null);
                return;
            case "ip":
                if (!System.Net.IPAddress.TryParse(payload, out _))
                {
                    Garbage(c, m.Topic, "not an IP address");
                    return;
                }
                UpdateFact(c, r => r with { Ip = payload });
                return;
            case "build":
                var (chip, version) = DeviceRecord.ParseBuild(payload);
                if (version is null)
                {
                    Garbage(c, m.Topic, "not an OpenBeken build string");
                    return;
                }
                UpdateFact(c, r => r with { Build = payload, Chip = chip ?? r.Chip });
                return;
            case "host":
                if (payload.Length is 0 or > 64)
                {
                    Garbage(c, m.Topic, "bad host name");
                    return;
                }
                UpdateFact(c, r => r with { ShortName = payload });
                return;
            case "rssi":
            case "uptime":
                HandleReading(c, name, payload, meter: false);
                return;
            default:
                return;
        }
    }

    private void HandleConnected(string c, bool online, bool retained)
    {
        if (!ObkTopics.IsValidClientTopic(c))
        {
            return;
        }
        Entry entry;
        lock (_gate)
        {
            if (_forgottenTopics.Contains(c))
            {
                if (!online || retained)
                {
                    return;
                }
                _forgottenTopics.Remove(c); // it reconnected after being forgotten: adopt it again
            }
            entry = GetOrAddPending(c);
            if (entry.Online == online)
            {
                return;
            }
            entry.Online = online;
            Touch(entry);
        }
        if (entry.Record is not null)
        {
            _bus.Publish(new DeviceAvailabilityChanged(_time.GetUtcNow(), entry.Record.Id, online));
        }
        else if (online)
        {
            RequestIdentity(entry, c);
        }
    }

    private void HandleChannel(string c, int channel, string payload)
    {
        if (channel is < 0 or > 64)
        {
            Garbage(c, $"{c}/{channel}/get", "channel out of range");
            return;
        }
        int value;
        if (!int.TryParse(payload, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
        {
            if (!double.TryParse(payload, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d) || Math.Abs(d) > int.MaxValue)
            {
                Garbage(c, $"{c}/{channel}/get", "channel value is not a number");
                return;
            }
            value = (int)Math.Round(d); // flag 33 publishes scaled floats
        }
        string? id = null;
        bool changed;
        bool newChannel;
        DeviceSnapshot? updated = null;
        lock (_gate)
        {
            if (_forgottenTopics.Contains(c))
            {
                return;
            }
            var entry = GetOrAddPending(c);
            newChannel = !entry.Channels.ContainsKey(channel);
            changed = !entry.Channels.TryGetValue(channel, out var old) || old != value;
            entry.Channels[channel] = value;
            Touch(entry);
            if (entry.Record is { } record)
            {
                id = record.Id;
                if (newChannel && record.Channels.All(x => x.Channel != channel))
                {
                    entry.Record = record with { Channels = [.. record.Channels, new ChannelInfo(channel, ChannelRole.Relay)] };
                    entry.Dirty = true;
                    updated = Snapshot(entry);
                }
                else
                {
                    newChannel = false;
                }
            }
            else
            {
                RequestIdentityIfDue(entry, c);
            }
        }
        if (id is not null && changed)
        {
            _bus.Publish(new ChannelChanged(_time.GetUtcNow(), id, channel, value));
        }
        if (id is not null && newChannel)
        {
            _bus.Publish(new DeviceUpdated(_time.GetUtcNow(), updated!));
            DefinitionChanged?.Invoke(id);
        }
    }

    private void HandleReading(string c, string quantity, string payload, bool meter)
    {
        if (!double.TryParse(payload, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            Garbage(c, $"{c}/{quantity}", "reading is not a number");
            return;
        }
        string? id = null;
        var becameMeter = false;
        DeviceSnapshot? updated = null;
        lock (_gate)
        {
            if (_forgottenTopics.Contains(c))
            {
                return;
            }
            var entry = GetOrAddPending(c);
            entry.Readings[quantity] = value;
            Touch(entry);
            if (entry.Record is { } record)
            {
                id = record.Id;
                if (meter && !record.HasPowerMeter)
                {
                    entry.Record = record with { HasPowerMeter = true };
                    entry.Dirty = true;
                    becameMeter = true;
                    updated = Snapshot(entry);
                }
            }
            else if (meter)
            {
                entry.PendingMeter = true;
            }
        }
        if (id is not null)
        {
            _bus.Publish(new ReadingChanged(_time.GetUtcNow(), id, quantity, value));
            if (becameMeter)
            {
                _bus.Publish(new DeviceUpdated(_time.GetUtcNow(), updated!));
                DefinitionChanged?.Invoke(id);
            }
        }
    }

    private void HandleStat(string c, string kind, string payload)
    {
        if (!ObkTopics.IsValidClientTopic(c))
        {
            return;
        }
        if (kind == "STATUS5" || kind == "STATUS2" || kind == "RESULT" || kind == "STATUS")
        {
            using var doc = JsonDocument.Parse(payload);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                Garbage(c, $"stat/{c}/{kind}", "not a JSON object");
                return;
            }
            if (root.TryGetProperty("StatusNET", out var net) && net.ValueKind == JsonValueKind.Object)
            {
                var mac = DeviceRecord.NormalizeMac(net.TryGetProperty("Mac", out var m) ? m.GetString() : null);
                var ip = net.TryGetProperty("IPAddress", out var ipe) ? ipe.GetString() : null;
                if (mac is not null)
                {
                    Adopt(c, mac, ip);
                }
            }
            if (root.TryGetProperty("StatusFWR", out var fwr) && fwr.ValueKind == JsonValueKind.Object)
            {
                var version = fwr.TryGetProperty("Version", out var v) ? v.GetString() : null;
                var hardware = fwr.TryGetProperty("Hardware", out var h) ? h.GetString() : null;
                var parsed = DeviceRecord.ParseBuild(version);
                if (parsed.Version is not null)
                {
                    UpdateFact(c, r => r with { Build = r.Build ?? $"Open{hardware ?? parsed.Chip} {parsed.Version}", Chip = hardware ?? parsed.Chip ?? r.Chip });
                }
            }
            if (kind == "RESULT")
            {
                ApplyPowerResult(c, root);
            }
        }
        StatReceived?.Invoke(c, kind, payload);
    }

    private void ApplyPowerResult(string c, JsonElement root)
    {
        foreach (var property in root.EnumerateObject())
        {
            if (!property.Name.StartsWith("POWER", StringComparison.Ordinal) || property.Value.ValueKind != JsonValueKind.String)
            {
                continue;
            }
            var on = property.Value.GetString() == "ON";
            int channel;
            lock (_gate)
            {
                if (!_byTopic.TryGetValue(c, out var entry) || entry.Record is null)
                {
                    return;
                }
                var relays = entry.Record.Channels.Where(x => x.Role == ChannelRole.Relay).Select(x => x.Channel).Order().ToList();
                if (property.Name == "POWER")
                {
                    if (relays.Count == 0)
                    {
                        continue;
                    }
                    channel = relays[0];
                }
                else if (int.TryParse(property.Name[5..], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                {
                    channel = relays.Contains(0) ? n - 1 : n;
                }
                else
                {
                    continue;
                }
            }
            HandleChannel(c, channel, on ? "1" : "0");
        }
    }

    private void Adopt(string c, string mac, string? ip)
    {
        if (!ObkTopics.IsValidClientTopic(c))
        {
            return;
        }
        var id = DeviceRecord.IdFromMac(mac);
        DeviceSnapshot? adopted = null;
        DeviceSnapshot? moved = null;
        lock (_gate)
        {
            if (_forgottenTopics.Contains(c))
            {
                return;
            }
            var pending = GetOrAddPending(c);
            if (pending.Record is not null)
            {
                if (pending.Record.Id == id)
                {
                    return;
                }
                _logger.LogWarning("Client topic {Topic} moved from device {Old} to {New} (cloned config?)", c, pending.Record.Id, id);
                _byTopic.Remove(c);
                pending = GetOrAddPending(c);
            }
            var now = _time.GetUtcNow();
            if (_byId.TryGetValue(id, out var existing))
            {
                // A known device under a new client topic (or a stored one coming back): rebind.
                _byTopic.Remove(existing.Record!.ClientTopic);
                existing.Record = existing.Record with { ClientTopic = c, Ip = ip ?? pending.PendingIp ?? existing.Record.Ip, LastSeen = now };
                existing.Online = pending.Online || existing.Online;
                foreach (var (ch, v) in pending.Channels)
                {
                    existing.Channels[ch] = v;
                }
                existing.Dirty = true;
                _byTopic[c] = existing;
                moved = Snapshot(existing);
            }
            else
            {
                var channels = pending.Channels.Keys.Order().Select(ch => new ChannelInfo(ch, ChannelRole.Relay)).ToList();
                pending.Record = new DeviceRecord(id, c, mac, ip ?? pending.PendingIp, pending.PendingBuild, DeviceRecord.ParseBuild(pending.PendingBuild).Chip, now, now, null, null)
                {
                    Channels = channels,
                    HasPowerMeter = pending.PendingMeter,
                    ShortName = pending.PendingShortName,
                };
                pending.Dirty = true;
                _byId[id] = pending;
                adopted = Snapshot(pending);
            }
        }
        if (adopted is not null)
        {
            _logger.LogInformation("Adopted OpenBeken device {Id} (client topic {Topic})", id, c);
            _bus.Publish(new DeviceAdopted(_time.GetUtcNow(), adopted));
        }
        else if (moved is not null)
        {
            _bus.Publish(new DeviceUpdated(_time.GetUtcNow(), moved));
        }
        DefinitionChanged?.Invoke(id);
    }

    /// <summary>Applies <paramref name="change"/> to the stored facts of the device on <paramref name="c"/> (or remembers them while pending).</summary>
    private void UpdateFact(string c, Func<DeviceRecord, DeviceRecord> change)
    {
        if (!ObkTopics.IsValidClientTopic(c))
        {
            return;
        }
        DeviceSnapshot? updated = null;
        lock (_gate)
        {
            if (_forgottenTopics.Contains(c))
            {
                return;
            }
            var entry = GetOrAddPending(c);
            Touch(entry);
            if (entry.Record is null)
            {
                var probe = change(new DeviceRecord("", c, null, entry.PendingIp, entry.PendingBuild, null, default, default, null, null) { ShortName = entry.PendingShortName });
                entry.PendingIp = probe.Ip;
                entry.PendingBuild = probe.Build;
                entry.PendingShortName = probe.ShortName;
                return;
            }
            var next = change(entry.Record);
            if (next == entry.Record)
            {
                return;
            }
            entry.Record = next;
            entry.Dirty = true;
            updated = Snapshot(entry);
        }
        _bus.Publish(new DeviceUpdated(_time.GetUtcNow(), updated));
        DefinitionChanged?.Invoke(updated.Id);
    }

    /// <summary>Changes name and/or area (null = keep). HA entities keep their unique ids.</summary>
    public async Task<DeviceSnapshot?> UpdateAsync(string id, string? friendlyName, string? area, CancellationToken ct)
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

    /// <summary>Replaces stored facts (channel roles from provisioning, legacy unique ids after a migration).</summary>
    public DeviceSnapshot? Mutate(string id, Func<DeviceRecord, DeviceRecord> change)
    {
        DeviceSnapshot? updated;
        lock (_gate)
        {
            if (!_byId.TryGetValue(id, out var entry) || entry.Record is null)
            {
                return null;
            }
            var next = change(entry.Record);
            if (next == entry.Record)
            {
                return Snapshot(entry);
            }
            entry.Record = next;
            entry.Dirty = true;
            updated = Snapshot(entry);
        }
        _bus.Publish(new DeviceUpdated(_time.GetUtcNow(), updated));
        DefinitionChanged?.Invoke(id);
        return updated;
    }

    private static string? NullIfEmpty(string text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    /// <summary>Removes the device; it comes back only when the plug connects again.</summary>
    public async Task<DeviceSnapshot?> ForgetAsync(string id, CancellationToken ct)
    {
        DeviceSnapshot snapshot;
        lock (_gate)
        {
            if (!_byId.Remove(id, out var entry) || entry.Record is null)
            {
                return null;
            }
            _byTopic.Remove(entry.Record.ClientTopic);
            _forgottenTopics.Add(entry.Record.ClientTopic);
            snapshot = Snapshot(entry);
        }
        await _store.DeleteAsync(id, ct).ConfigureAwait(false);
        _bus.Publish(new DeviceForgotten(_time.GetUtcNow(), id));
        return snapshot;
    }

    /// <summary>Writes changed records to the store; with <paramref name="includeLastSeen"/> also those only seen.</summary>
    public async Task FlushAsync(bool includeLastSeen, CancellationToken ct)
    {
        List<DeviceRecord> dirty = [];
        lock (_gate)
        {
            foreach (var entry in _byId.Values)
            {
                if (entry.Record is null || !(entry.Dirty || (includeLastSeen && entry.Seen)))
                {
                    continue;
                }
                entry.Record = entry.Record with { LastSeen = entry.LastSeen > entry.Record.LastSeen ? entry.LastSeen : entry.Record.LastSeen };
                entry.Dirty = false;
                entry.Seen = false;
                dirty.Add(entry.Record);
            }
        }
        foreach (var record in dirty)
        {
            await _store.UpsertAsync(record, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Client topics seen on the broker whose MAC is not known yet.</summary>
    public IReadOnlyList<string> PendingTopics()
    {
        lock (_gate)
        {
            return _byTopic.Where(kv => kv.Value.Record is null).Select(kv => kv.Key).ToList();
        }
    }

    /// <summary>
    /// Asks again (at most <paramref name="max"/>) the online client topics that are still unidentified: an idle plug
    /// publishes nothing more after its retained <c>connected</c>, so a lost first request would leave it pending.
    /// </summary>
    public int RetryIdentities(int max)
    {
        var asked = 0;
        lock (_gate)
        {
            foreach (var (topic, entry) in _byTopic)
            {
                if (asked >= max)
                {
                    break;
                }
                if (entry.Record is null && entry.Online && Stopwatch.GetElapsedTime(entry.LastIdentityRequest) >= IdentityRetry)
                {
                    RequestIdentityIfDue(entry, topic);
                    asked++;
                }
            }
        }
        return asked;
    }

    private Entry GetOrAddPending(string c)
    {
        if (!_byTopic.TryGetValue(c, out var entry))
        {
            if (_byTopic.Count >= MaxPending + _byId.Count)
            {
                throw new InvalidOperationException("too many unknown client topics");
            }
            entry = new Entry();
            _byTopic[c] = entry;
        }
        return entry;
    }

    private void Touch(Entry entry)
    {
        entry.LastSeen = _time.GetUtcNow();
        entry.Seen = true;
    }

    private void RequestIdentityIfDue(Entry entry, string c)
    {
        var now = Stopwatch.GetTimestamp();
        if (entry.LastIdentityRequest != 0 && Stopwatch.GetElapsedTime(entry.LastIdentityRequest, now) < IdentityRetry)
        {
            return;
        }
        entry.LastIdentityRequest = now;
        ThreadPool.UnsafeQueueUserWorkItem(static s => s.Self.IdentityNeeded?.Invoke(s.Topic), (Self: this, Topic: c), preferLocal: false);
    }

    private void RequestIdentity(Entry entry, string c)
    {
        lock (_gate)
        {
            RequestIdentityIfDue(entry, c);
        }
    }

    private void Garbage(string c, string topic, string reason)
    {
        Interlocked.Increment(ref _garbage);
        bool first;
        lock (_gate)
        {
            first = _garbageLogged.Count < MaxPending && _garbageLogged.Add(c);
        }
        if (first)
        {
            _logger.LogWarning("Ignoring bad payload on {Topic} ({Reason}); further bad payloads from {Device} are ignored silently", topic, reason, c);
        }
    }

    private static DeviceSnapshot Snapshot(Entry e) => new(
        e.Record!,
        e.Online,
        new Dictionary<int, int>(e.Channels),
        new Dictionary<string, double>(e.Readings),
        e.Readings.TryGetValue("rssi", out var rssi) ? (int)rssi : null,
        e.Readings.TryGetValue("uptime", out var up) ? (long)up : null);

    private sealed class Entry
    {
        public DeviceRecord? Record;
        public bool Online;
        public readonly Dictionary<int, int> Channels = [];
        public readonly Dictionary<string, double> Readings = new(StringComparer.Ordinal);
        public DateTimeOffset LastSeen;
        public bool Dirty;
        public bool Seen;
        public long LastIdentityRequest;
        public string? PendingIp;
        public string? PendingBuild;
        public string? PendingShortName;
        public bool PendingMeter;
    }
}
