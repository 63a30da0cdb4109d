using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace OpenBekenHub.Simulators.Plugs;

/// <summary>
/// The firmware's tiny HTTP server on a raw socket, with its quirks: one request per connection, status line always
/// <c>HTTP/1.1 &lt;code&gt; OK</c> ending in a bare LF, CORS headers, no Content-Length, Basic auth as <c>admin</c> only
/// when a web password is set. Serves <c>/cm?cmnd=</c>, <c>/api/info</c>, <c>/api/cmnd</c>, <c>/index</c> actions.
/// </summary>
internal sealed class PlugHttpServer : IAsyncDisposable
{
    private const int MaxRequestBytes = 8192;
    private const int MaxOtaBytes = 2 * 1024 * 1024;
    private readonly SimulatedPlug _plug;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private TcpListener? _listener;
    private Task? _accept;

    public PlugHttpServer(SimulatedPlug plug, ILogger logger)
    {
        _plug = plug;
        _logger = logger;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var address = IPAddress.TryParse(_plug.Settings.Ip, out var ip) ? ip : IPAddress.Loopback;
        _listener = new TcpListener(address, _plug.Settings.HttpPort);
        _listener.Start(64);
        _accept = Task.Run(AcceptLoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener!.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex)
            {
                _logger.LogDebug("Plug {Topic} HTTP accept failed: {Message}", _plug.ClientTopic, ex.Message);
                continue;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            var stream = client.GetStream();
            var request = await ReadRequestAsync(stream, timeout.Token).ConfigureAwait(false);
            if (request is null)
            {
                return;
            }
            if (_plug.IsBricked || _plug.IsHung)
            {
                return; // nothing runs on that plug any more
            }
            var ota = Authorized(request.Value) ? HandleOta(request.Value) : null;
            var (code, type, body, extra) = ota is { } o ? (o.Code, o.Type, "", "") : Handle(request.Value);
            var binary = ota?.Body;
            var head = new StringBuilder();
            head.Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {code} OK\n");
            head.Append(CultureInfo.InvariantCulture, $"Content-type: {type}\r\n");
            head.Append("Access-Control-Allow-Origin: *\r\n");
            head.Append("Access-Control-Allow-Headers: Origin, X-Requested-With, Content-Type, Accept\r\n");
            head.Append(extra);
            head.Append("Connection: close\r\n\r\n");
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), timeout.Token).ConfigureAwait(false);
            await stream.WriteAsync(binary ?? Encoding.UTF8.GetBytes(body), timeout.Token).ConfigureAwait(false);
            client.Client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
        {
            _logger.LogDebug("Plug {Topic} HTTP request failed: {Message}", _plug.ClientTopic, ex.Message);
        }
    }

    private readonly record struct Request(string Method, string Path, Dictionary<string, string> Query, Dictionary<string, string> Headers, string Body, byte[] BodyBytes);

    private static async Task<Request?> ReadRequestAsync(NetworkStream stream, CancellationToken ct)
    {
        var buffer = new byte[MaxRequestBytes];
        var length = 0;
        var headerEnd = -1;
        while (headerEnd < 0 && length < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(length), ct).ConfigureAwait(false);
            if (n == 0)
            {
                return null;
            }
            length += n;
            headerEnd = IndexOf(buffer.AsSpan(0, length), "\r\n\r\n"u8);
        }
        if (headerEnd < 0)
        {
            return null;
        }
        var lines = Encoding.ASCII.GetString(buffer, 0, headerEnd).Split("\r\n");
        var first = lines[0].Split(' ');
        if (first.Length < 2)
        {
            return null;
        }
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }
        var bodyStart = headerEnd + 4;
        var target = first[1];
        var limit = target.StartsWith("/api/ota", StringComparison.Ordinal) || target.StartsWith("/api/fsblock", StringComparison.Ordinal) ? MaxOtaBytes : MaxRequestBytes;
        // without Content-Length only what arrived with the headers is taken (the firmware falls back to bodylen)
        var contentLength = headers.TryGetValue("Content-Length", out var cl) && int.TryParse(cl, CultureInfo.InvariantCulture, out var n2) ? Math.Min(n2, limit) : length - headerEnd - 4;
        var body = new byte[contentLength];
        var have = Math.Min(contentLength, length - bodyStart);
        Array.Copy(buffer, bodyStart, body, 0, have);
        while (have < contentLength)
        {
            var n = await stream.ReadAsync(body.AsMemory(have), ct).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }
            have += n;
        }
        var q = target.IndexOf('?', StringComparison.Ordinal);
        var path = q < 0 ? target : target[..q];
        var query = ParseQuery(q < 0 ? "" : target[(q + 1)..]);
        return new Request(first[0].ToUpperInvariant(), path, query, headers, Encoding.UTF8.GetString(body, 0, Math.Min(have, MaxRequestBytes)), body.AsMemory(0, have).ToArray());
    }

    private static int IndexOf(ReadOnlySpan<byte> haystack, ReadOnlySpan<byte> needle) => haystack.IndexOf(needle);

    internal static Dictionary<string, string> ParseQuery(string query)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString((eq < 0 ? pair : pair[..eq]).Replace('+', ' '));
            var value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
            result[key] = value;
        }
        return result;
    }

    private (int Code, string Type, string Body, string ExtraHeaders) Handle(Request request)
    {
        if (request.Method == "OPTIONS")
        {
            return (200, "text/plain", "", "");
        }
        if (!Authorized(request))
        {
            return (401, "text/plain", "Unauthorized", "WWW-Authenticate: Basic realm=\"OpenBeken HTTP Server\"\r\n");
        }
        if (PlugConfigRoutes.TryHandle(_plug, request.Method, request.Path, request.Body) is { } config) return config;
        switch (request.Path)
        {
            case "/":
                return (302, "text/html", "", "Location: /index\r\n");
            case "/cm":
                {
                    var cmnd = request.Query.GetValueOrDefault("cmnd");
                    if (cmnd is null && request.Method is "POST" or "PUT")
                    {
                        cmnd = ParseQuery(request.Body).GetValueOrDefault("cmnd");
                    }
                    return (200, "application/json", _plug.Execute(cmnd ?? ""), "");
                }
            case "/api/cmnd":
                {
                    var reply = _plug.Execute(request.Body);
                    var res = JsonNode.Parse(reply.StartsWith('{') ? reply : "{}");
                    return (200, "application/json", new JsonObject { ["success"] = 200, ["msg"] = "OK", ["res"] = res }.ToJsonString(), "");
                }
            case "/api/info":
                return (200, "application/json", Info().ToJsonString(), "");
            case "/lograw":
                return (200, "text/html", _plug.ReadLogForHttp(), "");
            case "/api/reboot":
                _plug.Execute("restart");
                return (200, "application/json", "{\"reboot\":3}", "");
            case "/index":
                return (200, "text/html", Index(request.Query), "");
            default:
                return (200, "text/html", "<h1>Not found.</h1>", "");
        }
    }

    /// <summary>
    /// OTA routes (openbeken-ota.md §2): <c>POST /api/ota</c> writes the raw body to the download area and answers
    /// <c>{"size":N}</c> without rebooting; <c>GET /api/fsblock</c> returns the LittleFS block, <c>POST</c> writes it back.
    /// </summary>
    private (int Code, string Type, byte[] Body)? HandleOta(Request request) => (request.Method, request.Path) switch
    {
        ("POST", "/api/ota") => (200, "application/json", Encoding.ASCII.GetBytes(_plug.PushOta(request.BodyBytes))),
        ("GET", "/api/fsblock") => (200, "application/octet-stream", _plug.LittleFsBlock),
        ("POST", "/api/fsblock") => (200, "application/json", RestoreFs(request.BodyBytes)),
        _ => null,
    };

    private byte[] RestoreFs(byte[] block)
    {
        _plug.RestoreLittleFs(block);
        return "{\"success\":true}"u8.ToArray();
    }

    private bool Authorized(Request request)
    {
        var password = _plug.Settings.WebPassword;
        if (string.IsNullOrEmpty(password))
        {
            return true;
        }
        if (!request.Headers.TryGetValue("Authorization", out var auth) || !auth.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth[6..].Trim()));
            return decoded == $"admin:{password}";
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private JsonObject Info() => new()
    {
        ["uptime_s"] = (long)_plug.Uptime.TotalSeconds,
        ["build"] = $"Built on Jan 17 2026 12:00:00 version {_plug.FirmwareVersion}",
        ["ip"] = _plug.Settings.Ip,
        ["mac"] = _plug.Settings.Mac,
        ["flags"] = (_plug.Flags & 0xFFFFFFFF).ToString(CultureInfo.InvariantCulture),
        ["mqtthost"] = $"{_plug.Settings.BrokerHost}:{_plug.Settings.BrokerPort}",
        ["mqtttopic"] = _plug.ClientTopic,
        ["chipset"] = _plug.Settings.Chip,
        ["webapp"] = "https://openbekeniot.github.io/webapp/",
        ["shortName"] = _plug.ShortName,
        ["startcmd"] = _plug.StartupCommand,
        ["supportsSSDP"] = 0,
        ["supportsClientDeviceDB"] = true,
    };

    private string Index(Dictionary<string, string> query)
    {
        if (query.TryGetValue("tgl", out var t) && int.TryParse(t, CultureInfo.InvariantCulture, out var tc) && tc is >= 0 and <= SimulatedPlug.MaxChannel)
        {
            _plug.SetChannel(tc, null, toggle: true, force: true);
        }
        if (query.TryGetValue("on", out var on) && int.TryParse(on, CultureInfo.InvariantCulture, out var oc) && oc is >= 0 and <= SimulatedPlug.MaxChannel)
        {
            _plug.SetChannel(oc, 255, toggle: false, force: true); // firmware quirk: "on" stores 255
        }
        if (query.TryGetValue("off", out var off) && int.TryParse(off, CultureInfo.InvariantCulture, out var fc) && fc is >= 0 and <= SimulatedPlug.MaxChannel)
        {
            _plug.SetChannel(fc, 0, toggle: false, force: true);
        }
        if (query.GetValueOrDefault("restart") == "1")
        {
            _plug.Execute("restart");
        }
        var sb = new StringBuilder();
        foreach (var ch in _plug.RelayChannels.Order())
        {
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td>Channel {ch}</td><td>{(_plug.GetChannel(ch) > 0 ? "ON" : "OFF")}</td></tr>");
        }
        sb.Append(CultureInfo.InvariantCulture, $"<h5>MQTT State: {(_plug.IsConnected ? "connected" : "disconnected")}</h5>");
        return query.ContainsKey("state") ? sb.ToString() : $"<html><body><h1>{_plug.ShortName}</h1><table>{sb}</table></body></html>";
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener?.Stop();
        if (_accept is not null)
        {
            await _accept.ConfigureAwait(false);
        }
        _stop.Dispose();
    }
}
