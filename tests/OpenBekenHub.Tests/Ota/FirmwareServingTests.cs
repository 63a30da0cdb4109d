using OpenBekenHub.Auth;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using OpenBekenHub.Ota;
using OpenBekenHub.Simulators.Images;
using OpenBekenHub.Store;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Ota;

/// <summary>The firmware library's .rbl contract and the plugs' download path (openbeken-ota.md §1 limits).</summary>
public sealed class FirmwareServingTests : IAsyncLifetime
{
    private HubHost _hub = null!;
    private HttpClient _api = null!;

    public async Task InitializeAsync()
    {
        _hub = await HubHost.StartAsync();
        var (_, secret) = await _hub.Service<ApiTokenStore>().CreateAsync("t", HubScope.Admin);
        _api = new HttpClient { BaseAddress = new Uri(_hub.BaseUrl) };
        _api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _hub.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, JsonNode Body)> UploadAsync(string name, byte[] data)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(data), "file", name } };
        using var response = await _api.PostAsync("/api/firmware", form);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    [Fact]
    public async Task Post_firmware_returns_201_with_the_chip_and_version_from_the_build_and_422_with_the_reason()
    {
        var rbl = SyntheticRbl.Build("BK7231T", "1.18.240_berry", 30_000);
        // named like an N file: the build literal inside decides, not the name
        var (status, body) = await UploadAsync("OpenBK7231N_1.18.240.rbl", rbl);
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(("Rbl", "BK7231T", "1.18.240_berry"), (body["kind"]!.GetValue<string>(), body["chip"]!.GetValue<string>(), body["version"]!.GetValue<string>()));
        var id = body["id"]!.GetValue<string>();

        var (dupStatus, dup) = await UploadAsync("copy.rbl", rbl);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, dupStatus);
        Assert.Contains("already in the library as 'OpenBK7231N_1.18.240.rbl'", dup["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal($"/firmware#fw-{id}", dup["existing"]!.GetValue<string>());

        var (ugStatus, ug) = await UploadAsync("OpenBK7231N_UG_1.18.240.rbl", [0x55, 0xAA, 0x55, 0xAA, .. new byte[4000]]);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, ugStatus);
        Assert.Contains("'UG' upgrade package", ug["error"]!.GetValue<string>(), StringComparison.Ordinal);

        var corrupt = (byte[])rbl.Clone();
        corrupt[5000] ^= 1;
        var (badStatus, bad) = await UploadAsync("OpenBK7231T_1.18.241.rbl", corrupt);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badStatus);
        Assert.Contains("body is corrupted", bad["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_download_path_needs_no_login_sends_the_exact_length_uncompressed_counts_bytes_and_expires()
    {
        var file = SyntheticRbl.Build("BK7231N", "1.18.231", 100_000);
        var server = _hub.Service<FirmwareServer>();
        var download = new OtaDownload("r1", "obk_020b00000001", file);
        var path = server.Register(download);
        var url = server.UrlFor(path, "127.0.0.1");
        Assert.True(path.Length < 128);
        Assert.StartsWith(_hub.BaseUrl + "/ota/", url, StringComparison.Ordinal);

        // the firmware's own request, on a raw socket: no Accept-Encoding, but a browser-like one must not change anything
        var raw = await RawGetAsync(new Uri(url), "Accept-Encoding: gzip, br\r\n");
        var headerEnd = raw.AsSpan().IndexOf("\r\n\r\n"u8);
        var head = Encoding.ASCII.GetString(raw, 0, headerEnd);
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", head, StringComparison.Ordinal);
        Assert.Contains($"\r\nContent-Length: {file.Length}", head, StringComparison.Ordinal);
        Assert.DoesNotContain("Content-Encoding", head, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Transfer-Encoding", head, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(file, raw[(headerEnd + 4)..]);
        Assert.Equal(file.Length, download.Served);

        server.Revoke(path);
        Assert.StartsWith("HTTP/1.1 404", Encoding.ASCII.GetString(await RawGetAsync(new Uri(url), "")), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 404", Encoding.ASCII.GetString(await RawGetAsync(new Uri(_hub.BaseUrl + "/ota/guess"), "")), StringComparison.Ordinal);
    }

    private static async Task<byte[]> RawGetAsync(Uri url, string extraHeaders)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(url.Host, url.Port);
        var stream = tcp.GetStream();
        var request = $"GET {url.AbsolutePath} HTTP/1.1\r\nHost: {url.Host}:{url.Port}\r\nContent-Length: 0\r\nContent-Type: text/csv\r\n{extraHeaders}Connection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var all = new MemoryStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await stream.CopyToAsync(all, timeout.Token);
        return all.ToArray();
    }
}
