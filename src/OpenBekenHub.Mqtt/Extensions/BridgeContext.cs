using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using OpenBekenHub.Mqtt.Connection;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.Events;
using OpenBekenHub.Mqtt.Options;
using OpenBekenHub.Mqtt.State;

namespace OpenBekenHub.Mqtt.Extensions;

/// <summary>
/// What an extension gets from the bridge: the state store (read it, or change it through its methods), the event bus,
/// options, topic routing, and a publisher that enforces the bridge's one rule: the hub never publishes on a plug-owned
/// topic. Allowed are only the plug's command topics (<c>cmnd/&lt;c&gt;/...</c>, <c>&lt;c&gt;/&lt;ch&gt;/set</c>), the hub's
/// own topics (<c>&lt;HubId&gt;/...</c>) and discovery configs (<c>&lt;prefix&gt;/.../config</c>).
/// </summary>
public sealed class BridgeContext
{
    private readonly BrokerConnection _connection;
    private readonly Lock _gate = new();
    private (string Filter, Action<BrokerMessage> Handler)[] _routes = [];

    /// <summary>Requests to plugs wait here (bounded: when full, new ones are dropped; every asker retries or has a window).</summary>
    private readonly Channel<(string Topic, string Payload, MqttQualityOfServiceLevel Qos)> _requests =
        Channel.CreateBounded<(string, string, MqttQualityOfServiceLevel)>(new BoundedChannelOptions(50_000) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private const int MaxRequestsInFlight = 64;

    internal BridgeContext(BrokerConnection connection, DeviceStateStore state, HubEventBus bus, BridgeOptions options, HomeAssistantOptions homeAssistant,
        string hubId, ILoggerFactory loggers)
    {
        _connection = connection;
        State = state;
        Bus = bus;
        Options = options;
        HomeAssistant = homeAssistant;
        HubId = hubId;
        Loggers = loggers;
    }

    public DeviceStateStore State { get; }

    public HubEventBus Bus { get; }

    public BridgeOptions Options { get; }

    public HomeAssistantOptions HomeAssistant { get; }

    /// <summary>The hub's MQTT identity and the base of its own topics (<c>obkhub</c>).</summary>
    public string HubId { get; }

    public ILoggerFactory Loggers { get; }

    public bool IsConnected => _connection.IsConnected;

    /// <summary>Raised after each (re)connect, once subscriptions are in place (handlers run in order; failures are logged).</summary>
    public event Func<CancellationToken, Task>? Connected
    {
        add => _connection.Connected += value;
        remove => _connection.Connected -= value;
    }

    /// <summary>Publishes that were refused as plug-owned (a bug if ever non-zero; tests assert it).</summary>
    public long RefusedPublishes => Interlocked.Read(ref _refused);

    private long _refused;

    /// <summary>Routes messages matching <paramref name="filter"/> to <paramref name="handler"/> (instead of the plug parser) and subscribes.</summary>
    public async Task SubscribeAsync(string filter, Action<BrokerMessage> handler, CancellationToken ct)
    {
        lock (_gate)
        {
            _routes = [.. _routes, (filter, handler)];
        }
        await _connection.SubscribeAsync(filter, ct: ct).ConfigureAwait(false);
    }

    /// <summary>True when an extension owns the topic (and handled the message).</summary>
    internal bool TryRoute(BrokerMessage message)
    {
        foreach (var (filter, handler) in _routes)
        {
            if (MqttTopicFilterComparer.Compare(message.Topic, filter) == MqttTopicFilterCompareResult.IsMatch)
            {
                handler(message);
                return true;
            }
        }
        return false;
    }

    /// <summary>Publishes (QoS 1 by default, bounded by the connection's timeout). Throws for a plug-owned topic or when not connected.</summary>
    public Task PublishAsync(string topic, string payload, bool retain = false, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce, CancellationToken ct = default)
    {
        if (!MayPublish(topic))
        {
            Interlocked.Increment(ref _refused);
            throw new InvalidOperationException($"Refusing to publish on '{topic}': the hub never publishes on a plug-owned topic");
        }
        return _connection.PublishAsync(topic, payload, retain, qos, ct);
    }

    /// <summary>
    /// Asks a plug with one of the firmware's own commands (<c>cmnd/&lt;c&gt;/&lt;command&gt;</c>, e.g. <c>STATUS 5</c>,
    /// <c>publishChannels</c>). Never blocks: queued and sent pipelined while connected; false when the queue is full.
    /// A question is sent at QoS 0: every asker retries or has a window, so waiting for the broker's acknowledgement of
    /// each one (QoS 1) only delayed the answers (a thousand plugs adopting after a hub restart are 3,000 questions).
    /// A command that changes the plug (<paramref name="acknowledged"/>) goes at QoS 1.
    /// </summary>
    public bool Ask(string clientTopic, string command, string payload = "", bool acknowledged = false) =>
        _connection.IsConnected && _requests.Writer.TryWrite((ObkTopics.Command(clientTopic, command), payload,
            acknowledged ? MqttQualityOfServiceLevel.AtLeastOnce : MqttQualityOfServiceLevel.AtMostOnce));

    internal async Task RunRequestsAsync(ILogger logger, CancellationToken ct)
    {
        using var inFlight = new SemaphoreSlim(MaxRequestsInFlight);
        var failures = 0L;
        try
        {
            await foreach (var (topic, payload, qos) in _requests.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                await inFlight.WaitAsync(ct).ConfigureAwait(false);
                _ = SendAsync(topic, payload, qos);
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }

        async Task SendAsync(string topic, string payload, MqttQualityOfServiceLevel qos)
        {
            try
            {
                await PublishAsync(topic, payload, qos: qos, ct: ct).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                if (Interlocked.Increment(ref failures) % 1000 == 1)
                {
                    logger.LogDebug("A request to a plug failed ({Message}); its asker retries", ex.Message);
                }
            }
            finally
            {
                inFlight.Release();
            }
        }
    }

    /// <summary>The allow-list above.</summary>
    public bool MayPublish(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (ObkTopics.IsControllerTopic(topic) || topic.StartsWith(HubId + "/", StringComparison.Ordinal))
        {
            return true;
        }
        return topic.EndsWith("/config", StringComparison.Ordinal)
            && (topic.StartsWith(HomeAssistant.DiscoveryPrefix + "/", StringComparison.Ordinal) || topic.StartsWith(ObkTopics.FirmwareDiscoveryPrefix + "/", StringComparison.Ordinal));
    }
}
