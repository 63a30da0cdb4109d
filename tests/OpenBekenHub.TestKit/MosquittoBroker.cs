using System.Net.Sockets;

namespace OpenBekenHub.TestKit;

/// <summary>A real Mosquitto broker on a free loopback port, for one test (or one fixture).</summary>
public sealed class MosquittoBroker : IAsyncDisposable
{
    private readonly TempDir _dir = new("mosquitto");
    private ExternalProcess? _process;

    private MosquittoBroker(int port)
    {
        Port = port;
    }

    public int Port { get; }

    public string Host => "127.0.0.1";

    /// <summary>Starts mosquitto with anonymous access on <paramref name="port"/> (a free one by default).</summary>
    public static async Task<MosquittoBroker> StartAsync(int? port = null, string? extraConfig = null)
    {
        var broker = new MosquittoBroker(port ?? FreePort.Next());
        await broker.RestartAsync(extraConfig).ConfigureAwait(false);
        return broker;
    }

    /// <summary>Stops the broker process (clients see the connection drop).</summary>
    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync().ConfigureAwait(false);
            _process = null;
        }
    }

    /// <summary>Starts it again on the same port.</summary>
    public async Task RestartAsync(string? extraConfig = null)
    {
        await StopAsync().ConfigureAwait(false);
        var conf = _dir.File("mosquitto.conf");
        await File.WriteAllTextAsync(conf,
            $"listener {Port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stdout\n{extraConfig}\n").ConfigureAwait(false);
        _process = ExternalProcess.Start("mosquitto", "-c", conf);
        await Eventually.TrueAsync(CanConnect, TimeSpan.FromSeconds(10), $"mosquitto listening on {Port}").ConfigureAwait(false);
    }

    private bool CanConnect()
    {
        if (_process is null || _process.HasExited)
        {
            throw new InvalidOperationException("mosquitto exited: " + _process?.Output);
        }
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _dir.Dispose();
    }
}
