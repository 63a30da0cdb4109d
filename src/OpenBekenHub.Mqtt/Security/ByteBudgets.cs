using System.Collections.Concurrent;

namespace OpenBekenHub.Mqtt.Security;

/// <summary>
/// Per-client byte limits: retained bytes per account (who retained what, by topic) and bytes queued towards each
/// client (added on enqueue, removed when the packet is sent or the client goes away).
/// </summary>
public sealed class ByteBudgets(long retainedPerAccount, long queuedPerClient)
{
    private readonly ConcurrentDictionary<string, (string Owner, long Size)> _retained = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _retainedByOwner = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StrongBox> _queued = new(StringComparer.Ordinal);
    private readonly Lock _retainGate = new();

    public long RetainedPerAccount => retainedPerAccount;

    public long QueuedPerClient => queuedPerClient;

    /// <summary>Records a retained publish by <paramref name="owner"/>; false (and nothing recorded) when it would exceed the owner's budget.</summary>
    public bool TryRetain(string owner, string topic, long size)
    {
        lock (_retainGate)
        {
            var previous = _retained.TryGetValue(topic, out var p) ? p : default;
            var ownerNow = _retainedByOwner.GetValueOrDefault(owner);
            var after = ownerNow - (previous.Owner == owner ? previous.Size : 0) + size;
            if (size > 0 && after > retainedPerAccount)
            {
                return false;
            }
            if (previous.Owner is not null)
            {
                _retainedByOwner[previous.Owner] = _retainedByOwner.GetValueOrDefault(previous.Owner) - previous.Size;
            }
            if (size == 0)
            {
                _retained.TryRemove(topic, out _); // an empty retained payload clears the topic
            }
            else
            {
                _retained[topic] = (owner, size);
                _retainedByOwner[owner] = _retainedByOwner.GetValueOrDefault(owner) + size;
            }
            return true;
        }
    }

    public long RetainedBy(string owner) => _retainedByOwner.GetValueOrDefault(owner);

    /// <summary>Adds a message to a client's queue; false when that would exceed its budget (the message is dropped for that client).</summary>
    public bool TryQueue(string clientId, long size)
    {
        var box = _queued.GetOrAdd(clientId, _ => new StrongBox());
        var after = Interlocked.Add(ref box.Value, size);
        if (after > queuedPerClient && after != size)
        {
            Interlocked.Add(ref box.Value, -size);
            return false;
        }
        return true;
    }

    public void Sent(string clientId, long size)
    {
        if (_queued.TryGetValue(clientId, out var box) && Interlocked.Add(ref box.Value, -size) < 0)
        {
            Interlocked.Exchange(ref box.Value, 0);
        }
    }

    public long QueuedFor(string clientId) => _queued.TryGetValue(clientId, out var box) ? Interlocked.Read(ref box.Value) : 0;

    /// <summary>The client's session ended: its queue is gone.</summary>
    public void Forget(string clientId) => _queued.TryRemove(clientId, out _);

    private sealed class StrongBox
    {
        public long Value;
    }
}
