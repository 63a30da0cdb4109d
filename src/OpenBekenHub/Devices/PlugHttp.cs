using OpenBekenHub.Mqtt.Options;
using System.Globalization;
using Microsoft.Extensions.Options;
using OpenBekenHub.Mqtt.Commands;
using OpenBekenHub.Mqtt.Devices;

namespace OpenBekenHub.Devices;

/// <summary>
/// Reads from a plug's own HTTP server (port <see cref="BridgeOptions.DeviceHttpPort"/>, Basic auth as <c>admin</c>
/// when a web password is configured): bounded in time and size, since the reply is untrusted input.
/// </summary>
public sealed class PlugHttp(IOptions<BridgeOptions> options) : IDisposable
{
    public const int MaxReplyBytes = 64 * 1024;

    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2), AllowAutoRedirect = false });

    /// <summary>The reply body, or an error sentence when the plug has no IP, does not answer or answers too much.</summary>
    public async Task<(string? Body, string? Error)> GetAsync(DeviceSnapshot device, string path, CancellationToken ct)
    {
        if (device.Record.Ip is not { } ip)
        {
            return (null, "the plug has not reported its IP address yet");
        }
        // the web password goes only to a LAN address (the bridge records no other, this is the second check)
        if (!Mqtt.Parsing.DeviceAddress.IsAllowed(ip))
        {
            return (null, $"{ip} is not a private IPv4 or loopback address");
        }
        var o = options.Value;
        var uri = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://{ip}:{o.DeviceHttpPort}{path}"));
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            if (!string.IsNullOrEmpty(o.DeviceWebPassword))
            {
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
                    Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("admin:" + o.DeviceWebPassword)));
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(o.CommandTimeout);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (response.StatusCode == System.Net.HttpStatusCode.Unauthorized)
            {
                return (null, "the plug asks for its web password (Bridge:DeviceWebPassword)");
            }
            await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
            var buffer = new byte[MaxReplyBytes + 1];
            var total = 0;
            int read;
            while (total <= MaxReplyBytes && (read = await stream.ReadAsync(buffer.AsMemory(total), timeout.Token)) > 0)
            {
                total += read;
            }
            return total > MaxReplyBytes
                ? (null, $"the plug's {path} reply is larger than {MaxReplyBytes / 1024} KiB")
                : (System.Text.Encoding.UTF8.GetString(buffer, 0, total), null);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || ex is OperationCanceledException && !ct.IsCancellationRequested)
        {
            return (null, $"the plug's web server at {ip} did not answer {path} ({(ex is OperationCanceledException ? "timeout" : ex.Message)})");
        }
    }

    public void Dispose() => _http.Dispose();
}
