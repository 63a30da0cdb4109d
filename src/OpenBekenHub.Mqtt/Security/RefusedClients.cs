namespace OpenBekenHub.Mqtt.Security;

/// <summary>A client the broker refused: shown on the dashboard for one-click approval. The password is never kept.</summary>
public sealed record RefusedClient(string ClientId, string? Username, string? Address, DateTimeOffset Time, string Reason);

/// <summary>The most recent refusals, one entry per client id, bounded (a flood of random ids cannot grow it).</summary>
public sealed class RefusedClients(int capacity = 200)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<RefusedClient> _order = new();
    private readonly Dictionary<string, LinkedListNode<RefusedClient>> _byId = new(StringComparer.Ordinal);

    public void Add(RefusedClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        lock (_gate)
        {
            if (_byId.Remove(client.ClientId, out var old))
            {
                _order.Remove(old);
            }
            _byId[client.ClientId] = _order.AddFirst(client);
            while (_order.Count > capacity)
            {
                _byId.Remove(_order.Last!.Value.ClientId);
                _order.RemoveLast();
            }
        }
    }

    public bool Remove(string clientId)
    {
        lock (_gate)
        {
            if (!_byId.Remove(clientId, out var node))
            {
                return false;
            }
            _order.Remove(node);
            return true;
        }
    }

    public RefusedClient? Find(string clientId)
    {
        lock (_gate)
        {
            return _byId.TryGetValue(clientId, out var node) ? node.Value : null;
        }
    }

    /// <summary>Newest first.</summary>
    public IReadOnlyList<RefusedClient> Snapshot()
    {
        lock (_gate)
        {
            return [.. _order];
        }
    }
}
