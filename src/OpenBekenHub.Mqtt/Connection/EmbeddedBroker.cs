using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet.Protocol;
using MQTTnet.Server;
using OpenBekenHub.Mqtt.Options;

namespace OpenBekenHub.Mqtt.Connection;

/// <summary>
/// The hub's default broker: an in-process MQTTnet server, so a new user needs no Mosquitto to start.
/// Optional username/password; plugs and Home Assistant connect to it like to any broker.
/// </summary>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    private readonly EmbeddedBrokerOptions _options;
    private readonly ILogger _logger;
    private MqttServer? _server;

    public EmbeddedBroker(EmbeddedBrokerOptions options, ILogger<EmbeddedBroker>? logger = null)
    {
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The port actually listened on (resolved when the options say 0).</summary>
    public int Port { get; private set; }

    public bool IsRunning => _server?.IsStarted == true;

    public int ConnectedClients { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_server is not null)
        {
            return;
        }
        Port = _options.Port == 0 ? PickFreePort() : _options.Port;
        var builder = new MqttServerFactory().CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointPort(Port)
            // a whole house of plugs reconnects at once after a hub restart; MQTTnet's default backlog (10) refuses most of them
            .WithConnectionBacklog(1024)
            // the hub's own client subscribes to every plug: MQTTnet's default of 250 queued messages per client drops
            // identities during a reconnect storm and those plugs are never adopted (seen with 1,000 plugs)
            .WithMaxPendingMessagesPerClient(100_000);
        if (!_options.ListenOnAllInterfaces)
        {
            builder = builder.WithDefaultEndpointBoundIPAddress(IPAddress.Loopback).WithDefaultEndpointBoundIPV6Address(IPAddress.None);
        }
        var server = new MqttServerFactory().CreateMqttServer(builder.Build());
        server.ValidatingConnectionAsync += ValidateAsync;
        server.ClientConnectedAsync += _ =>
        {
            ConnectedClients++;
            return Task.CompletedTask;
        };
        server.ClientDisconnectedAsync += _ =>
        {
            ConnectedClients--;
            return Task.CompletedTask;
        };
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            await server.StartAsync().ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            server.Dispose();
            throw new InvalidOperationException(
                $"Embedded MQTT broker cannot listen on port {Port}: {ex.Message}. Set Mqtt:Embedded:Port to a free port, or Mqtt:Host to use an external broker.", ex);
        }
        _server = server;
        _logger.LogInformation("Embedded MQTT broker listening on port {Port}", Port);
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
            if (e.ProtocolVersion != MQTTnet.Formatter.MqttProtocolVersion.V500 && e.CleanSession != false && ConnectPacketField?.GetValue(e) is MQTTnet.Packets.MqttConnectPacket packet)
            {
                packet.ClientId = assigned;
            }
        }
        if (string.IsNullOrEmpty(_options.Username))
        {
            return Task.CompletedTask;
        }
        if (e.UserName != _options.Username || e.Password != _options.Password)
        {
            e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            _logger.LogWarning("Embedded broker refused client {ClientId}: bad username or password", e.ClientId);
        }
        return Task.CompletedTask;
    }

    private static readonly System.Reflection.FieldInfo? ConnectPacketField =
        typeof(ValidatingConnectionEventArgs).GetField("_connectPacket", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic);

    private static int PickFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task StopAsync()
    {
        if (_server is null)
        {
            return;
        }
        await _server.StopAsync().ConfigureAwait(false);
        _server.Dispose();
        _server = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}
