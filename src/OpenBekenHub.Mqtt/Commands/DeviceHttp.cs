using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using OpenBekenHub.Mqtt.Options;
using OpenBekenHub.Mqtt.Parsing;

namespace OpenBekenHub.Mqtt.Commands;

/// <summary>The outcome of one <c>/cm</c> call: a reply, a refusal by the plug (status code), or no answer at all.</summary>
internal readonly record struct HttpOutcome(string? Reply, int? RefusedWith, string? Unreachable);

/// <summary>
/// Console commands over the plug's HTTP <c>/cm?cmnd=</c> (openbeken.md §3.3). Only to a private IPv4 or loopback address
/// the plug reported itself; the web password goes nowhere else. Status codes and the timeout are checked; replies are capped.
/// </summary>
internal sealed class DeviceHttp(BridgeOptions options, HttpClient http)
{
    private const int MaxReplyBytes = 64 * 1024;

    public async Task<HttpOutcome> RunAsync(string ip, string line, CancellationToken ct)
    {
        if (!DeviceAddress.IsAllowed(ip))
        {
            return new HttpOutcome(null, null, $"{ip} is not a private IPv4 or loopback address");
        }
        var uri = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://{ip}:{options.DeviceHttpPort}/cm?cmnd={Uri.EscapeDataString(line)}"));
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (!string.IsNullOrEmpty(options.DeviceWebPassword))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + options.DeviceWebPassword)));
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.CommandTimeout);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return new HttpOutcome(null, (int)response.StatusCode, null);
            }
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            var buffer = new byte[MaxReplyBytes];
            var read = 0;
            int n;
            while (read < buffer.Length && (n = await body.ReadAsync(buffer.AsMemory(read), timeout.Token).ConfigureAwait(false)) > 0)
            {
                read += n;
            }
            return new HttpOutcome(Encoding.UTF8.GetString(buffer, 0, read), null, null);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return new HttpOutcome(null, null, ex is OperationCanceledException ? $"no HTTP reply within {options.CommandTimeout.TotalSeconds:0.#} s" : ex.Message);
        }
    }

    public static string Describe(int status) => status switch
    {
        (int)HttpStatusCode.Unauthorized => "the plug refused the web password (HTTP 401); set Bridge:DeviceWebPassword to the plug's web password",
        (int)HttpStatusCode.NotFound => "the plug has no /cm endpoint (HTTP 404)",
        _ => string.Create(CultureInfo.InvariantCulture, $"the plug answered HTTP {status}"),
    };
}
