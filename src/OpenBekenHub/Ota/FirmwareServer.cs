using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace OpenBekenHub.Ota;

/// <summary>One plug's download: the file, and how much of it this URL has served.</summary>
public sealed class OtaDownload(string rolloutId, string deviceId, byte[] file)
{
    private long _served;

    public string RolloutId { get; } = rolloutId;

    public string DeviceId { get; } = deviceId;

    public byte[] File { get; } = file;

    public long Served => Interlocked.Read(ref _served);

    internal void Add(long bytes) => Interlocked.Add(ref _served, bytes);
}

/// <summary>
/// The firmware download path on the hub's own HTTP listener, without login, built for OpenBeken's HTTP client
/// (openbeken-ota.md §1): <c>/ota/&lt;token&gt;</c>, one unguessable token per plug and rollout, 200 with the exact
/// Content-Length, never compressed, chunked or redirected; the token is revoked when the plug is done. Bytes are
/// counted per token, so progress is attributed to the plug the URL was made for, not to a client address.
/// </summary>
public sealed class FirmwareServer(IOptions<OtaOptions> options, IServer server)
{
    public const string PathPrefix = "/ota/";

    private readonly ConcurrentDictionary<string, OtaDownload> _downloads = new(StringComparer.Ordinal);
    private long _totalServed;

    /// <summary>Firmware bytes served since start, all plugs together.</summary>
    public long TotalServed => Interlocked.Read(ref _totalServed);

    /// <summary>Registers a download and returns its path (<c>/ota/</c> + 22 url-safe characters = 128 random bits).</summary>
    public string Register(OtaDownload download)
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        _downloads[token] = download;
        return PathPrefix + token;
    }

    public void Revoke(string path) => _downloads.TryRemove(path[PathPrefix.Length..], out _);

    public OtaDownload? Find(string path) =>
        path.StartsWith(PathPrefix, StringComparison.Ordinal) ? _downloads.GetValueOrDefault(path[PathPrefix.Length..]) : null;

    /// <summary>
    /// The URL a plug at <paramref name="plugIp"/> can reach: <c>Hub:PublicUrl</c> if set, else the local address the
    /// OS picks to route to the plug (a connected UDP socket sends nothing) with the HTTP listener's port.
    /// </summary>
    public string UrlFor(string path, string? plugIp)
    {
        if (!string.IsNullOrWhiteSpace(options.Value.PublicUrl))
        {
            return options.Value.PublicUrl.TrimEnd('/') + path;
        }
        var listener = ListenerEndpoint();
        var host = listener.Address;
        if (IPAddress.TryParse(plugIp, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork)
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            probe.Connect(ip, 9);
            host = ((IPEndPoint)probe.LocalEndPoint!).Address;
        }
        if (host.Equals(IPAddress.Any))
        {
            host = IPAddress.Loopback;
        }
        return string.Create(CultureInfo.InvariantCulture, $"http://{host}:{listener.Port}{path}");
    }

    private IPEndPoint ListenerEndpoint()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var address in addresses)
        {
            if (address.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
                && Uri.TryCreate(address.Replace("*", "0.0.0.0", StringComparison.Ordinal).Replace("+", "0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri))
            {
                var ip = IPAddress.TryParse(uri.Host, out var parsed) && parsed.AddressFamily == AddressFamily.InterNetwork ? parsed : IPAddress.Any;
                return new IPEndPoint(ip, uri.Port);
            }
        }
        throw new InvalidOperationException("The hub has no plain http:// listener for plugs to download from; set Hub:PublicUrl or add one to --urls");
    }

    /// <summary>Serves <c>GET /ota/{token}</c>.</summary>
    internal async Task ServeAsync(HttpContext context, string token)
    {
        if (!_downloads.TryGetValue(token, out var download))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        // the plug sends no Accept-Encoding; dropping it here keeps any client from getting a compressed body
        context.Request.Headers.AcceptEncoding = default;
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = download.File.Length;
        var ct = context.RequestAborted;
        const int Piece = 16 * 1024;
        try
        {
            for (var offset = 0; offset < download.File.Length; offset += Piece)
            {
                var n = Math.Min(Piece, download.File.Length - offset);
                await context.Response.Body.WriteAsync(download.File.AsMemory(offset, n), ct);
                await context.Response.Body.FlushAsync(ct);
                download.Add(n);
                Interlocked.Add(ref _totalServed, n);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // the plug dropped the download; what it got is counted, the rollout judges by the version after reboot
        }
    }
}
