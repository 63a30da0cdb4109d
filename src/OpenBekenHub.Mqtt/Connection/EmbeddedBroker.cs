using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;
using OpenBekenHub.Mqtt.Options;
using OpenBekenHub.Mqtt.Security;

namespace OpenBekenHub.Mqtt.Connection;

/// <summary>
/// The hub's default broker: an in-process MQTTnet server, so a new user needs no Mosquitto to start. With a
/// <see cref="BrokerGate"/> (the hub always gives one) every client needs an account and is held to its topic rules
/// (<see cref="TopicRules"/>); without one it is an open broker with optional single username/password (library use).
/// Packets above <see cref="EmbeddedBrokerOptions.MaxPacketSize"/> close the connection before any allocation.
/// </summary>
public sealed partial class EmbeddedBroker : IAsyncDisposable
{
    private const string RulesKey = "obk.rules";
    private const string JoinKey = "obk.join";

    /// <summary>Sender id of the credential commands the broker sends to a joining plug: delivered to that plug only.</summary>
    private const string CredentialSender = "$obkhub-credentials";

    private readonly EmbeddedBrokerOptions _options;
    private readonly ILogger _logger;
    private readonly BrokerGate? _gate;
    private readonly ByteBudgets _budgets;
    private readonly DenialLog _denials;
    private MqttServer? _server;
    private GuardedTcpServerAdapter? _adapter;
    private int _connected;

    public EmbeddedBroker(EmbeddedBrokerOptions options, ILogger<EmbeddedBroker>? logger = null, BrokerGate? gate = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _gate = gate;
        _budgets = new ByteBudgets(options.MaxRetainedBytesPerClient, options.MaxQueuedBytesPerClient);
        _denials = new DenialLog(_logger);
    }

    /// <summary>The port actually listened on (resolved when the options say 0).</summary>
    public int Port { get; private set; }

    public bool IsRunning => _server?.IsStarted == true;

    public int ConnectedClients => Volatile.Read(ref _connected);

    /// <summary>Null for an open broker.</summary>
    public BrokerGate? Gate => _gate;

    public ByteBudgets Budgets => _budgets;

    /// <summary>Connections closed because a packet exceeded the maximum size.</summary>
    public int OversizedRefused => _adapter?.OversizedRefused ?? 0;

    /// <summary>Publishes and subscriptions refused by the topic rules since start.</summary>
    public long Denied => _denials.Count;

    public IPAddress BindAddress =>
        !string.IsNullOrWhiteSpace(_options.Address) ? IPAddress.Parse(_options.Address)
        : !_options.ListenOnAllInterfaces ? IPAddress.Loopback
        : Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any;

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_server is not null)
        {
            return;
        }
        var options = new MqttServerFactory().CreateServerOptionsBuilder()
            // the hub's own client subscribes to every plug: MQTTnet's default of 250 queued messages per client drops
            // identities during a reconnect storm and those plugs are never adopted (seen with 1,000 plugs)
            .WithMaxPendingMessagesPerClient(100_000)
            .Build();
        // a whole house of plugs reconnects at once after a hub restart: backlog 1024 (MQTTnet's default 10 refuses most)
        var adapter = new GuardedTcpServerAdapter(BindAddress, _options.Port, _options.MaxPacketSize, 1024, _logger);
        var server = new MqttServerFactory().CreateMqttServer(options, [adapter]);
        server.ValidatingConnectionAsync += ValidateAsync;
        server.ClientConnectedAsync += _ =>
        {
            Interlocked.Increment(ref _connected);
            return Task.CompletedTask;
        };
        server.ClientDisconnectedAsync += e =>
        {
            Interlocked.Decrement(ref _connected);
            _budgets.Forget(e.ClientId);
            return Task.CompletedTask;
        };
        if (_gate is not null)
        {
            server.InterceptingPublishAsync += InterceptPublishAsync;
            server.InterceptingSubscriptionAsync += InterceptSubscriptionAsync;
            server.InterceptingClientEnqueueAsync += InterceptEnqueueAsync;
            server.InterceptingOutboundPacketAsync += OutboundAsync;
            server.ClientSubscribedTopicAsync += SubscribedAsync;
        }
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            await server.StartAsync().ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            server.Dispose();
            throw new InvalidOperationException(
                $"Embedded MQTT broker cannot listen on {BindAddress} port {_options.Port}: {ex.Message}. Set Mqtt:Embedded:Port (or Mqtt:Embedded:Address), or Mqtt:Host to use an external broker.", ex);
        }
        _server = server;
        _adapter = adapter;
        Port = adapter.BoundPort;
        if (_gate is null)
        {
            _logger.LogWarning("Embedded MQTT broker listening on {Address} port {Port} WITHOUT accounts and topic rules", BindAddress, Port);
        }
        else
        {
            _logger.LogInformation("Embedded MQTT broker listening on {Address} port {Port}; accounts and topic rules on, anonymous clients refused, packets up to {Max} bytes",
                BindAddress, Port, _options.MaxPacketSize);
        }
    }

    private Task ValidateAsync(ValidatingConnectionEventArgs e)
    {
        if (string.IsNullOrEmpty(e.ClientId))
        {
            // MQTT 3.1.1 §3.1.3-6 and 5.0: a server assigns an id to a client that sends none with a clean session
            // (mosquitto_pub/sub do). MQTTnet 5.2 applies AssignedClientIdentifier on MQTT 5 only, so on 3.1.1 the id is
            // set on the CONNECT packet it validates; without that the client would be refused as "identifier rejected".
            var assigned = "auto-" + Guid.NewGuid().ToString("N")[..16];
            e.AssignedClientIdentifier = assigned;
            if (e.ProtocolVersion != MQTTnet.Formatter.MqttProtocolVersion.V500 && e.CleanSession != false && ConnectPacket(e) is { } packet)
            {
                packet.ClientId = assigned;
            }
        }
        if (_gate is not null)
        {
            return ValidateWithAccountsAsync(e, _gate);
        }
        if (!string.IsNullOrEmpty(_options.Username) && (e.UserName != _options.Username || e.Password != _options.Password))
        {
            e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            _logger.LogWarning("Embedded broker refused client {ClientId}: bad username or password", e.ClientId);
        }
        return Task.CompletedTask;
    }

    private Task ValidateWithAccountsAsync(ValidatingConnectionEventArgs e, BrokerGate gate)
    {
        var clientId = e.AssignedClientIdentifier ?? e.ClientId;
        var will = ConnectPacket(e) is { WillFlag: true } p ? p.WillTopic : null;
        var decision = gate.Decide(clientId, e.UserName, e.Password, (e.RemoteEndPoint as IPEndPoint)?.Address.ToString() ?? e.RemoteEndPoint?.ToString(), will);
        switch (decision.Verdict)
        {
            case ConnectVerdict.Refused:
                // as Mosquitto answers: anonymous and takeover "not authorised", a bad login "bad user name or password"
                e.ReasonCode = !string.IsNullOrEmpty(e.UserName) && (decision.Reason.Contains("password", StringComparison.Ordinal) || decision.Reason.Contains("unknown", StringComparison.Ordinal))
                    ? MqttConnectReasonCode.BadUserNameOrPassword
                    : MqttConnectReasonCode.NotAuthorized;
                break;
            case ConnectVerdict.Joining:
                e.SessionItems[RulesKey] = decision.Rules;
                e.SessionItems[JoinKey] = decision.JoinPassword;
                break;
            default:
                e.SessionItems[RulesKey] = decision.Rules;
                break;
        }
        return Task.CompletedTask;
    }

    private static MqttConnectPacket? ConnectPacket(ValidatingConnectionEventArgs e) => ConnectPacketField?.GetValue(e) as MqttConnectPacket;

    private static readonly System.Reflection.FieldInfo? ConnectPacketField =
        typeof(ValidatingConnectionEventArgs).GetField("_connectPacket", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic);

    public async Task StopAsync()
    {
        if (_server is null)
        {
            return;
        }
        await _server.StopAsync().ConfigureAwait(false);
        _server.Dispose();
        _server = null;
        _adapter = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}
