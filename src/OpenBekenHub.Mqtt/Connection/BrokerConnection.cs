using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace OpenBekenHub.Mqtt.Connection;

/// <summary>Where and how the bridge connects.</summary>
public sealed record BrokerEndpoint(string Host, int Port, string? Username = null, string? Password = null, bool UseTls = false, string ClientId = "obkhub",
    string? HubId = null)
{
    /// <summary>The hub's own status topic (retained <c>online</c>, LWT <c>offline</c>), under the hub id which stays when the client id is per install.</summary>
    public string StateTopic => $"{HubId ?? ClientId}/bridge/state";
}

/// <summary>Reconnect back-off: starts at <see cref="Initial"/>, doubles up to <see cref="Max"/>, with ±20 % jitter.</summary>
public sealed record ReconnectPolicy(TimeSpan Initial, TimeSpan Max)
{
    public static ReconnectPolicy Default { get; } = new(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));

    public TimeSpan Delay(int attempt)
    {
        var ms = Math.Min(Max.TotalMilliseconds, Initial.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 20)));
        return TimeSpan.FromMilliseconds(ms * (0.8 + (Random.Shared.NextDouble() * 0.4)));
    }
}

/// <summary>A received message, decoded once.</summary>
public readonly record struct BrokerMessage(string Topic, string Payload, bool Retain);

/// <summary>
/// The bridge's MQTT client (MQTTnet 5 has no managed client): connects, keeps reconnecting with back-off, and on
/// every (re)connect publishes its retained <c>online</c> state, resubscribes, and raises <see cref="Connected"/> so
/// the extensions re-announce. LWT: <c>&lt;ClientId&gt;/bridge/state</c> = <c>offline</c>, retained.
/// </summary>
public sealed class BrokerConnection : IAsyncDisposable
{
    private static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(10);
    private const int SocketBufferSize = 1024 * 1024;

    /// <summary>Bigger publishes are dropped unread: no plug or HA message comes near it (the largest, a discovery config, is a few KB).</summary>
    public const int MaxPayloadBytes = 64 * 1024;

    private readonly Func<BrokerEndpoint> _resolve;
    private readonly Lock _stateGate = new();
    private long _oversized;
    private readonly ReconnectPolicy _policy;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly List<(string Filter, MqttQualityOfServiceLevel Qos)> _filters = [];
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _up = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;

    public BrokerConnection(BrokerEndpoint endpoint, ReconnectPolicy? policy = null, ILogger<BrokerConnection>? logger = null)
        : this(() => endpoint, policy, logger)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
    }

    /// <summary>
    /// <paramref name="endpoint"/> is resolved at each connect, so the host can hand over the embedded broker's port once it
    /// is bound (probing a free port earlier and binding it later is a race another process can win).
    /// </summary>
    public BrokerConnection(Func<BrokerEndpoint> endpoint, ReconnectPolicy? policy = null, ILogger<BrokerConnection>? logger = null)
    {
        _resolve = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
        _policy = policy ?? ReconnectPolicy.Default;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += e =>
        {
            var m = e.ApplicationMessage;
            if (m.Payload.Length > MaxPayloadBytes)
            {
                if (Interlocked.Increment(ref _oversized) % 1000 == 1)
                {
                    _logger.LogWarning("Dropped a {Bytes}-byte publish on {Topic} (limit {Limit}); {Count} so far", m.Payload.Length, m.Topic, MaxPayloadBytes, Interlocked.Read(ref _oversized));
                }
                return Task.CompletedTask;
            }
            MessageReceived?.Invoke(new BrokerMessage(m.Topic, m.ConvertPayloadToString() ?? "", m.Retain));
            return Task.CompletedTask;
        };
        _client.DisconnectedAsync += e =>
        {
            lock (_stateGate)
            {
                _lost.TrySetResult();
            }
            return Task.CompletedTask;
        };
    }

    public BrokerEndpoint Endpoint => _resolve();

    /// <summary>Publishes dropped for being over <see cref="MaxPayloadBytes"/>.</summary>
    public long OversizedDropped => Interlocked.Read(ref _oversized);

    public bool IsConnected => _client.IsConnected;

    /// <summary>How many times a connection was established (1 after the first connect).</summary>
    public int ConnectCount { get; private set; }

    /// <summary>Called for each message, in order, on the receive loop: keep it fast and non-blocking.</summary>
    public event Action<BrokerMessage>? MessageReceived;

    /// <summary>Raised after each (re)connect, once subscriptions are in place.</summary>
    public event Func<CancellationToken, Task>? Connected;

    /// <summary>Raised when the connection state changes (true = up), with a reason when it went down.</summary>
    public event Action<bool, string?>? ConnectionChanged;

    /// <summary>
    /// Adds a subscription; applied at the next connect, or now when connected. QoS 0 by default: state topics are
    /// then not throttled by the broker's QoS 1 in-flight window (Mosquitto: 20 messages) and queue limit (1000,
    /// beyond which it drops), which a burst from thousands of plugs would hit.
    /// </summary>
    public async Task SubscribeAsync(string filter, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtMostOnce, CancellationToken ct = default)
    {
        lock (_filters)
        {
            if (_filters.Any(f => f.Filter == filter))
            {
                return;
            }
            _filters.Add((filter, qos));
        }
        if (IsConnected)
        {
            await SubscribeAllAsync([(filter, qos)], ct).ConfigureAwait(false);
        }
    }

    /// <summary>Starts the connect loop; returns at once. Use <see cref="WaitConnectedAsync"/> to wait for the first connect.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _loop ??= Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task WaitConnectedAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        Task up;
        lock (_stateGate)
        {
            up = _up.Task;
        }
        try
        {
            await up.WaitAsync(timeout, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            var endpoint = Endpoint;
            throw new TimeoutException($"No connection to MQTT broker {endpoint.Host}:{endpoint.Port} within {timeout.TotalSeconds:0} s. Check Mqtt:Host/Mqtt:Port and that the broker is running.");
        }
    }

    private async Task RunAsync(CancellationToken ct)
    {
        var attempt = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var lost = await ConnectOnceAsync(ct).ConfigureAwait(false);
                attempt = 0;
                ConnectionChanged?.Invoke(true, null);
                lock (_stateGate)
                {
                    _up.TrySetResult();
                }
                await RaiseConnectedAsync(ct).ConfigureAwait(false);
                await lost.WaitAsync(ct).ConfigureAwait(false);
                lock (_stateGate)
                {
                    _up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
                _logger.LogWarning("MQTT connection to {Host}:{Port} lost; reconnecting", Endpoint.Host, Endpoint.Port);
                ConnectionChanged?.Invoke(false, "connection lost");
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                if (attempt == 0)
                {
                    _logger.LogWarning("MQTT connect to {Host}:{Port} failed: {Message}; retrying with back-off", Endpoint.Host, Endpoint.Port, ex.Message);
                    ConnectionChanged?.Invoke(false, ex.Message);
                }
                else
                {
                    _logger.LogDebug("MQTT connect attempt {Attempt} failed: {Message}", attempt, ex.Message);
                }
            }
            try
            {
                await Task.Delay(_policy.Delay(attempt++), ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Connects, subscribes, announces; returns a task that completes when this connection is lost.</summary>
    private async Task<Task> ConnectOnceAsync(CancellationToken ct)
    {
        var endpoint = _resolve();
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(endpoint.Host, endpoint.Port)
            .WithClientId(endpoint.ClientId)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithCleanSession()
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(30))
            .WithTimeout(OperationTimeout)
            .WithWillTopic(endpoint.StateTopic)
            .WithWillPayload("offline")
            .WithWillRetain()
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (!string.IsNullOrEmpty(endpoint.Username))
        {
            builder = builder.WithCredentials(endpoint.Username, endpoint.Password ?? "");
        }
        if (endpoint.UseTls)
        {
            builder = builder.WithTlsOptions(o => o.UseTls());
        }
        Task lost;
        lock (_stateGate)
        {
            // a late "disconnected" from the previous connection completes the old source, not this one
            _lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lost = _lost.Task;
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(OperationTimeout);
        var options = builder.Build();
        if (options.ChannelOptions is MqttClientTcpOptions tcp)
        {
            // MQTTnet's default 8 KiB socket buffers cap a loopback stream at a few hundred KB/s: far too little for
            // thousands of plugs plus 2-3 KB discovery configs (the broker's queue towards us grows, PUBACKs wait seconds).
            tcp.BufferSize = SocketBufferSize;
        }
        var result = await _client.ConnectAsync(options, timeout.Token).ConfigureAwait(false);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException($"broker refused the connection: {result.ResultCode} {result.ReasonString}");
        }
        ConnectCount++;
        (string Filter, MqttQualityOfServiceLevel Qos)[] filters;
        lock (_filters)
        {
            filters = [.. _filters];
        }
        await SubscribeAllAsync(filters, timeout.Token).ConfigureAwait(false);
        await PublishAsync(endpoint.StateTopic, "online", retain: true, ct: timeout.Token).ConfigureAwait(false);
        _logger.LogInformation("Connected to MQTT broker {Host}:{Port} as {ClientId}", endpoint.Host, endpoint.Port, endpoint.ClientId);
        return lost;
    }

    private async Task SubscribeAllAsync(IReadOnlyList<(string Filter, MqttQualityOfServiceLevel Qos)> filters, CancellationToken ct)
    {
        // Batches keep SUBSCRIBE packets small for brokers with packet-size limits.
        foreach (var chunk in filters.Chunk(16))
        {
            var options = new MqttClientSubscribeOptionsBuilder();
            foreach (var (filter, qos) in chunk)
            {
                options = options.WithTopicFilter(f => f.WithTopic(filter).WithQualityOfServiceLevel(qos));
            }
            await _client.SubscribeAsync(options.Build(), ct).ConfigureAwait(false);
        }
    }

    private async Task RaiseConnectedAsync(CancellationToken ct)
    {
        var handlers = Connected;
        if (handlers is null)
        {
            return;
        }
        foreach (var handler in handlers.GetInvocationList().Cast<Func<CancellationToken, Task>>())
        {
            try
            {
                await handler(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                _logger.LogError(ex, "A connect handler failed; the bridge keeps running");
            }
        }
    }

    /// <summary>Publishes with QoS 1 by default; bounded by a 10 s timeout. Throws when not connected.</summary>
    public async Task PublishAsync(string topic, string payload, bool retain = false, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce, CancellationToken ct = default)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithRetainFlag(retain)
            .WithQualityOfServiceLevel(qos)
            .Build();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(OperationTimeout);
        await _client.PublishAsync(message, timeout.Token).ConfigureAwait(false);
    }

    /// <summary>Publishes the retained <c>offline</c> state and disconnects cleanly.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
        if (_client.IsConnected)
        {
            try
            {
                await PublishAsync(Endpoint.StateTopic, "offline", retain: true).ConfigureAwait(false);
                using var timeout = new CancellationTokenSource(OperationTimeout);
                await _client.DisconnectAsync(new MqttClientDisconnectOptions(), timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _logger.LogDebug("Clean MQTT disconnect failed: {Message}", ex.Message);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync().ConfigureAwait(false);
        }
        _client.Dispose();
        _stop.Dispose();
    }
}
