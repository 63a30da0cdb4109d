using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace OpenBekenHub.Configs;

/// <summary>A plug's web server as the hub may reach it: a private IPv4 or loopback address only.</summary>
public sealed record PlugTarget(string DeviceId, IPAddress Address, int Port, string? WebPassword)
{
    public override string ToString() => $"{DeviceId} at {Address}:{Port}";
}

/// <summary>A plug's reply the hub cannot use (refused, wrong status, too big, not JSON, timed out).</summary>
public sealed class PlugHttpException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// HTTP to plugs, treating every reply as untrusted: one bounded wait per request, replies cut off above a size,
/// only status 200 accepted (a 401 is an error that names the missing web password), no redirects, no proxy.
/// </summary>
public sealed class PlugHttp : IDisposable
{
    private readonly HttpClient _http;
    private readonly ConfigBackupOptions _options;

    public PlugHttp(IOptions<ConfigBackupOptions> options)
    {
        _options = options.Value;
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = _options.RequestTimeout,
            PooledConnectionLifetime = TimeSpan.Zero, // the firmware closes every connection
        })
        { Timeout = Timeout.InfiniteTimeSpan };
    }

    public ConfigBackupOptions Options => _options;

    /// <summary>The target for <paramref name="device"/>, or a reason it may not be contacted.</summary>
    public static PlugTarget Target(ConfigDevice device, PlugHttpAccess access)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(access);
        if (!IPAddress.TryParse(device.Ip, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new PlugHttpException($"{device.Name} has no IPv4 address yet (it reports one on MQTT after connecting).");
        }
        if (!IsPrivateOrLoopback(ip))
        {
            throw new PlugHttpException($"{device.Name} reports {ip}, which is not a private or loopback address; the hub does not contact it.");
        }
        return new PlugTarget(device.Id, ip, access.Port, access.WebPassword);
    }

    public static bool IsPrivateOrLoopback(IPAddress ip)
    {
        ArgumentNullException.ThrowIfNull(ip);
        if (ip.AddressFamily != AddressFamily.InterNetwork)
        {
            return false;
        }
        var b = ip.GetAddressBytes();
        return b[0] == 10 || b[0] == 127 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168);
    }

    /// <summary>GET; null when <paramref name="notFoundIsNull"/> and the plug answers 404.</summary>
    public Task<byte[]?> GetAsync(PlugTarget target, string path, int maxBytes, bool notFoundIsNull, CancellationToken ct) =>
        SendAsync(target, HttpMethod.Get, path, null, maxBytes, notFoundIsNull, ct);

    public async Task<JsonObject> GetJsonAsync(PlugTarget target, string path, CancellationToken ct)
    {
        var bytes = await GetAsync(target, path, _options.MaxJsonBytes, notFoundIsNull: false, ct);
        return ParseObject(target, path, bytes!);
    }

    /// <summary>POST; the reply (bounded) when the plug answers 200.</summary>
    public async Task<byte[]> PostAsync(PlugTarget target, string path, byte[] body, string contentType, CancellationToken ct)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return (await SendAsync(target, HttpMethod.Post, path, content, _options.MaxJsonBytes, notFoundIsNull: false, ct))!;
    }

    /// <summary>A REST reply as JSON; <c>{"error":n}</c> in the body counts as a failure even with status 200.</summary>
    public static JsonObject ParseObject(PlugTarget target, string path, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            throw new PlugHttpException($"{target}: {path} did not answer JSON ({ex.Message}).", ex);
        }
        if (node is not JsonObject o)
        {
            throw new PlugHttpException($"{target}: {path} did not answer a JSON object.");
        }
        if (o.ContainsKey("error"))
        {
            throw new PlugHttpException($"{target}: {path} answered error {o["error"]?.ToJsonString()} {o["msg"]?.ToJsonString()}.");
        }
        return o;
    }

    private async Task<byte[]?> SendAsync(PlugTarget target, HttpMethod method, string path, HttpContent? content, int maxBytes, bool notFoundIsNull, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri($"http://{target.Address}:{target.Port}{path}")) { Content = content };
        if (!string.IsNullOrEmpty(target.WebPassword))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + target.WebPassword)));
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (response.StatusCode == HttpStatusCode.NotFound && notFoundIsNull)
            {
                return null;
            }
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                throw new PlugHttpException(string.IsNullOrEmpty(target.WebPassword)
                    ? $"{target}: the plug has a web password; set Bridge:DeviceWebPassword."
                    : $"{target}: the plug refused the web password in Bridge:DeviceWebPassword.");
            }
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new PlugHttpException($"{target}: {method} {path} answered status {(int)response.StatusCode}.");
            }
            await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
            return await ReadBoundedAsync(stream, maxBytes, target, path, timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new PlugHttpException($"{target}: {method} {path} got no complete answer within {_options.RequestTimeout.TotalSeconds:0.#} s.");
        }
        catch (HttpRequestException ex)
        {
            throw new PlugHttpException($"{target}: {method} {path} failed: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new PlugHttpException($"{target}: {method} {path} failed: {ex.Message}", ex);
        }
    }

    private static async Task<byte[]> ReadBoundedAsync(Stream stream, int maxBytes, PlugTarget target, string path, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int n;
        while ((n = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + n > maxBytes)
            {
                throw new PlugHttpException($"{target}: {path} answered more than {maxBytes} bytes; refused.");
            }
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    public void Dispose() => _http.Dispose();
}
