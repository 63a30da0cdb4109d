using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OpenBekenHub.Simulators.Tests.Plugs;

/// <summary>How the test server answers a firmware download.</summary>
public enum ServeMode
{
    Exact,
    NoContentLength,
    Chunked,
    Redirect,
    NotFound,
}

/// <summary>A raw-socket HTTP server that answers every GET with one file in a chosen (good or bad) way, and counts bytes.</summary>
internal sealed class OtaFileServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly byte[] _file;
    private readonly ServeMode _mode;
    private readonly Task _loop;
    private long _bytes;

    public OtaFileServer(byte[] file, ServeMode mode = ServeMode.Exact)
    {
        _file = file;
        _mode = mode;
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Url(string path = "/fw.rbl") => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}{path}";

    public List<string> Requests { get; } = [];

    public long BodyBytesSent => Interlocked.Read(ref _bytes);

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            var stream = client.GetStream();
            var head = new StringBuilder();
            var one = new byte[1];
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && await stream.ReadAsync(one, _stop.Token) == 1)
            {
                head.Append((char)one[0]);
            }
            lock (Requests)
            {
                Requests.Add(head.ToString());
            }
            var header = _mode switch
            {
                ServeMode.Exact => $"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {_file.Length}\r\n\r\n",
                ServeMode.NoContentLength => "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
                ServeMode.Chunked => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                ServeMode.Redirect => "HTTP/1.1 302 Found\r\nLocation: /elsewhere.rbl\r\nContent-Length: 0\r\n\r\n",
                _ => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
            };
            await stream.WriteAsync(Encoding.ASCII.GetBytes(header), _stop.Token);
            if (_mode is ServeMode.Exact or ServeMode.NoContentLength)
            {
                for (var i = 0; i < _file.Length; i += 4096)
                {
                    var n = Math.Min(4096, _file.Length - i);
                    await stream.WriteAsync(_file.AsMemory(i, n), _stop.Token);
                    Interlocked.Add(ref _bytes, n);
                }
            }
            else if (_mode == ServeMode.Chunked)
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"{_file.Length:x}\r\n"), _stop.Token);
                await stream.WriteAsync(_file, _stop.Token);
                await stream.WriteAsync("\r\n0\r\n\r\n"u8.ToArray(), _stop.Token);
            }
            client.Client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
        {
            // the plug hung up (dropped download): that is what some tests want
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
        _stop.Dispose();
    }
}
