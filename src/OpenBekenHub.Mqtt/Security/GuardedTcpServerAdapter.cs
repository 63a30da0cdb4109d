using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;
using MQTTnet.Server;

namespace OpenBekenHub.Mqtt.Security;

/// <summary>
/// The embedded broker's TCP listener: MQTTnet's own, except that every connection's incoming bytes pass through a
/// <see cref="PacketSizeGuardStream"/> (MQTTnet 5 has no server-side maximum packet size) and it binds one
/// configured address.
/// </summary>
public sealed class GuardedTcpServerAdapter(IPAddress address, int port, int maxPacketSize, int backlog, ILogger logger) : IMqttServerAdapter
{
    private Socket? _listener;
    private CancellationTokenSource? _stop;
    private MqttServerOptions? _options;
    private IMqttNetLogger? _mqttLogger;

    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    /// <summary>The port listened on (resolved when 0 was asked for).</summary>
    public int BoundPort { get; private set; }

    /// <summary>How many connections were closed for an oversized packet.</summary>
    public int OversizedRefused => _oversized;

    private int _oversized;

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
    {
        _options = options;
        _mqttLogger = logger;
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true; // "::" serves IPv4 clients too
            }
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(backlog);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        BoundPort = ((IPEndPoint)socket.LocalEndPoint!).Port;
        _listener = socket;
        _stop = new CancellationTokenSource();
        _ = Task.Run(() => AcceptLoopAsync(socket, _stop.Token));
        return Task.CompletedTask;
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                logger.LogDebug("Embedded broker accept failed: {Message}", ex.Message);
                continue;
            }
            _ = Task.Run(() => HandleAsync(client), CancellationToken.None);
        }
    }

    private async Task HandleAsync(Socket socket)
    {
        var remote = socket.RemoteEndPoint;
        PacketSizeGuardStream? guard = null;
        try
        {
            socket.NoDelay = true;
            guard = new PacketSizeGuardStream(new NetworkStream(socket, ownsSocket: true), maxPacketSize);
            if (ClientHandler is { } handler)
            {
                var channel = new MqttTcpChannel(guard, socket.LocalEndPoint, remote, null);
                var formatter = new MqttPacketFormatterAdapter(new MqttBufferWriter(_options!.WriterBufferSize, _options.WriterBufferSizeMax));
                using var adapter = new MqttChannelAdapter(channel, formatter, _mqttLogger!);
                await handler(adapter).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            logger.LogDebug("Embedded broker connection from {Remote} ended: {Message}", remote, ex.Message);
        }
        finally
        {
            if (guard?.RefusedSize is { } size)
            {
                Interlocked.Increment(ref _oversized);
                logger.LogWarning("Embedded broker closed the connection from {Remote}: packet of {Size} bytes exceeds Mqtt:Embedded:MaxPacketSize ({Max})", remote, size, maxPacketSize);
            }
            if (guard is not null)
            {
                await guard.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                socket.Dispose();
            }
        }
    }

    public Task StopAsync()
    {
        Cleanup();
        return Task.CompletedTask;
    }

    private void Cleanup()
    {
        _stop?.Cancel();
        _stop?.Dispose();
        _stop = null;
        _listener?.Dispose();
        _listener = null;
    }

    public void Dispose() => Cleanup();
}
