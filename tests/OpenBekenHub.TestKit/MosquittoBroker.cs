using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace OpenBekenHub.TestKit;

/// <summary>A real Mosquitto broker on a free loopback port, for one test (or one fixture).</summary>
public sealed partial class MosquittoBroker : IAsyncDisposable
{
    private readonly TempDir _dir = new("mosquitto");
    private readonly System.Text.StringBuilder _earlierOutput = new();
    private ExternalProcess? _process;
    private bool _logPublishes;

    private MosquittoBroker(int port)
    {
        Port = port;
    }

    /// <summary>One PUBLISH the broker received, with the client id that sent it (from Mosquitto's own log).</summary>
    public sealed record ReceivedPublish(string ClientId, string Topic, bool Retain);

    /// <summary>
    /// Every PUBLISH received since start (across restarts), named by publishing client, as Mosquitto logs it with
    /// <c>log_type all</c>. Only when started with <c>logPublishes</c>.
    /// </summary>
    public IReadOnlyList<ReceivedPublish> Publishes()
    {
        if (!_logPublishes)
        {
            throw new InvalidOperationException("Start the broker with logPublishes: true");
        }
        string text;
        lock (_earlierOutput)
        {
            text = _earlierOutput + (_process?.Output ?? "");
        }
        return PublishLine().Matches(text).Select(m => new ReceivedPublish(m.Groups[1].Value, m.Groups[3].Value, m.Groups[2].Value == "1")).ToList();
    }

    [GeneratedRegex(@"Received PUBLISH from (\S+) \(d\d, q\d, r(\d), m\d+, '([^']*)'")]
    private static partial Regex PublishLine();

    public int Port { get; }

    public string Host => "127.0.0.1";

    /// <summary>Starts mosquitto with anonymous access on <paramref name="port"/> (a free one by default).</summary>
    /// <param name="logPublishes">log every PUBLISH with its client (<c>log_type all</c>), read back with <see cref="Publishes"/>.</param>
    public static async Task<MosquittoBroker> StartAsync(int? port = null, string? extraConfig = null, bool logPublishes = false)
    {
        var broker = new MosquittoBroker(port ?? FreePort.Next()) { _logPublishes = logPublishes };
        await broker.RestartAsync(extraConfig).ConfigureAwait(false);
        return broker;
    }

    /// <summary>Stops the broker process (clients see the connection drop).</summary>
    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync().ConfigureAwait(false);
            lock (_earlierOutput)
            {
                _earlierOutput.Append(_process.Output);
            }
            _process = null;
        }
    }

    /// <summary>Starts it again on the same port.</summary>
    public async Task RestartAsync(string? extraConfig = null)
    {
        await StopAsync().ConfigureAwait(false);
        var conf = _dir.File("mosquitto.conf");
        await File.WriteAllTextAsync(conf,
            $"listener {Port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stdout\n{(_logPublishes ? "log_type all\n" : "")}{extraConfig}\n").ConfigureAwait(false);
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
