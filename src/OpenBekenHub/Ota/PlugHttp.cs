using OpenBekenHub.Mqtt.Options;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using OpenBekenHub.Mqtt.Commands;

namespace OpenBekenHub.Ota;

/// <summary>
/// The plug's own HTTP API as OTA uses it (openbeken-ota.md §2): <c>/api/fsblock</c> (LittleFS backup/restore),
/// <c>/api/ota</c> (push, with Content-Length), <c>/api/reboot</c>; Basic auth <c>admin</c> when a web password is set.
/// Replies are untrusted: sizes are bounded and the push's <c>{"size":N}</c> is checked against the file.
/// </summary>
public sealed class PlugHttp(IOptions<BridgeOptions> bridge) : IDisposable
{
    /// <summary>LittleFS can be resized with lfs_size; no BK7231 layout leaves room for more than this.</summary>
    public const int MaxLfsBytes = 512 * 1024;

    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1), AllowAutoRedirect = false })
    {
        Timeout = TimeSpan.FromSeconds(60),
    };

    public async Task<byte[]> GetFsBlockAsync(string ip, CancellationToken ct)
    {
        using var request = Request(HttpMethod.Get, ip, "/api/fsblock");
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        using var copy = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int n;
        while ((n = await body.ReadAsync(buffer, ct)) > 0)
        {
            if (copy.Length + n > MaxLfsBytes)
            {
                throw new InvalidDataException($"the plug's LittleFS block is larger than {MaxLfsBytes:N0} bytes");
            }
            copy.Write(buffer, 0, n);
        }
        if (copy.Length == 0)
        {
            throw new InvalidDataException("the plug returned an empty LittleFS block");
        }
        return copy.ToArray();
    }

    public async Task PostFsBlockAsync(string ip, byte[] block, CancellationToken ct)
    {
        using var request = Request(HttpMethod.Post, ip, "/api/fsblock");
        request.Content = new ByteArrayContent(block); // sets Content-Length, which the firmware needs
        using var response = await _http.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Push OTA; returns the size the plug says it wrote.</summary>
    public async Task<long> PushOtaAsync(string ip, byte[] file, CancellationToken ct)
    {
        using var request = Request(HttpMethod.Post, ip, "/api/ota");
        request.Content = new ByteArrayContent(file);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await _http.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
        var text = await response.Content.ReadAsStringAsync(ct);
        return text.Length < 200 && JsonNode.Parse(text)?["size"]?.GetValue<long>() is { } size ? size : -1;
    }

    public async Task RebootAsync(string ip, CancellationToken ct)
    {
        using var request = Request(HttpMethod.Post, ip, "/api/reboot");
        using var response = await _http.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
    }

    private HttpRequestMessage Request(HttpMethod method, string ip, string path)
    {
        // the web password goes only to a LAN address (the bridge records no other, this is the second check)
        if (!Mqtt.Parsing.DeviceAddress.IsAllowed(ip))
        {
            throw new InvalidOperationException($"{ip} is not a private IPv4 or loopback address");
        }
        var request = new HttpRequestMessage(method, new Uri(string.Create(CultureInfo.InvariantCulture, $"http://{ip}:{bridge.Value.DeviceHttpPort}{path}")));
        if (!string.IsNullOrEmpty(bridge.Value.DeviceWebPassword))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + bridge.Value.DeviceWebPassword)));
        }
        return request;
    }

    public void Dispose() => _http.Dispose();
}
