using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace OpenBekenHub.Mqtt.Events;

/// <summary>
/// Fan-out of <see cref="HubEvent"/>s to any number of subscribers. Publishing never blocks: each subscriber has a
/// bounded queue that drops its oldest events when the reader falls behind (a slow page cannot stall the bridge).
/// </summary>
public sealed class HubEventBus
{
    public const int DefaultCapacity = 4096;

    private readonly Lock _gate = new();
    private Subscription[] _subscribers = [];

    public int SubscriberCount => _subscribers.Length;

    public void Publish(HubEvent hubEvent)
    {
        ArgumentNullException.ThrowIfNull(hubEvent);
        foreach (var subscriber in _subscribers)
        {
            subscriber.Channel.Writer.TryWrite(hubEvent);
        }
    }

    /// <summary>Registers a subscriber now (events from this moment are kept); dispose it to unsubscribe.</summary>
    public Subscription Subscribe(int capacity = DefaultCapacity)
    {
        var subscription = new Subscription(this, capacity);
        lock (_gate)
        {
            _subscribers = [.. _subscribers, subscription];
        }
        return subscription;
    }

    /// <summary>Streams events published from the first MoveNext on, until <paramref name="cancellationToken"/> fires (SSE).</summary>
    public async IAsyncEnumerable<HubEvent> SubscribeAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var subscription = Subscribe();
        await foreach (var item in subscription.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return item;
        }
    }

    private void Remove(Subscription subscription)
    {
        lock (_gate)
        {
            _subscribers = _subscribers.Where(s => s != subscription).ToArray();
        }
    }

    public sealed class Subscription : IDisposable
    {
        private readonly HubEventBus _bus;

        internal Subscription(HubEventBus bus, int capacity)
        {
            _bus = bus;
            Channel = System.Threading.Channels.Channel.CreateBounded<HubEvent>(new BoundedChannelOptions(capacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = true,
            });
        }

        internal Channel<HubEvent> Channel { get; }

        public ChannelReader<HubEvent> Reader => Channel.Reader;

        public IAsyncEnumerable<HubEvent> ReadAllAsync(CancellationToken cancellationToken = default) => Channel.Reader.ReadAllAsync(cancellationToken);

        public void Dispose()
        {
            _bus.Remove(this);
            Channel.Writer.TryComplete();
        }
    }
}
