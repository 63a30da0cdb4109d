using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OpenBekenHub.Mqtt.Events;

/// <summary>
/// Fan-out of <see cref="HubEvent"/>s. Two kinds of listeners:
/// <list type="bullet">
/// <item>extensions register a handler with <see cref="On"/>: called inline, in publish order, never dropped; a throwing
/// handler is logged and skipped (fault isolation, as Zigbee2MQTT's event bus). Handlers must be quick and must not block.</item>
/// <item>pages <see cref="Subscribe"/>: a bounded queue per reader that drops its oldest events when the reader falls
/// behind (a slow browser cannot stall the bridge).</item>
/// </list>
/// </summary>
public sealed class HubEventBus
{
    public const int DefaultCapacity = 4096;

    private readonly Lock _gate = new();
    private readonly ILogger _logger;
    private Subscription[] _subscribers = [];
    private Handler[] _handlers = [];

    public HubEventBus(ILogger<HubEventBus>? logger = null)
    {
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public int SubscriberCount => _subscribers.Length;

    public void Publish(HubEvent hubEvent)
    {
        ArgumentNullException.ThrowIfNull(hubEvent);
        foreach (var handler in _handlers)
        {
            try
            {
                handler.Action(hubEvent);
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Event handler of {Extension} failed on {Event}; the bridge keeps running", handler.Owner, hubEvent.Kind);
            }
        }
        if (hubEvent.Internal)
        {
            return;
        }
        foreach (var subscriber in _subscribers)
        {
            subscriber.Channel.Writer.TryWrite(hubEvent);
        }
    }

    /// <summary>Registers an inline handler for <paramref name="owner"/>; dispose the result to remove it.</summary>
    public IDisposable On(string owner, Action<HubEvent> action)
    {
        var handler = new Handler(owner, action);
        lock (_gate)
        {
            _handlers = [.. _handlers, handler];
        }
        return new Unregister(() =>
        {
            lock (_gate)
            {
                _handlers = _handlers.Where(h => h != handler).ToArray();
            }
        });
    }

    private sealed record Handler(string Owner, Action<HubEvent> Action);

    private sealed class Unregister(Action action) : IDisposable
    {
        private Action? _action = action;

        public void Dispose() => Interlocked.Exchange(ref _action, null)?.Invoke();
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
