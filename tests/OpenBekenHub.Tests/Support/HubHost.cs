using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenBekenHub.Hosting;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Tests.Support;

/// <summary>A real hub (Kestrel on a free loopback port, own data directory, embedded broker on a free port) for one test.</summary>
public sealed partial class HubHost : IAsyncDisposable
{
    public const string AdminPassword = "correct horse battery staple";

    private readonly TempDir _data;
    private readonly bool _ownsData;

    private HubHost(WebApplication app, TempDir data, int port, bool ownsData)
    {
        App = app;
        _data = data;
        _ownsData = ownsData;
        BaseUrl = $"http://127.0.0.1:{port}";
    }

    public WebApplication App { get; }

    public string BaseUrl { get; }

    public string DataDirectory => _data.Path;

    public T Service<T>() where T : notnull => App.Services.GetRequiredService<T>();

    public static Task<HubHost> StartAsync(params string[] extraArgs) => StartAsync(null, extraArgs);

    public static Task<HubHost> StartAsync(TempDir? data, params string[] extraArgs) => StartAsync(data, null, extraArgs);

    /// <summary>Starts a hub on <paramref name="data"/> (kept after dispose, for restart tests) or a fresh directory.</summary>
    public static async Task<HubHost> StartAsync(TempDir? data, Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? overrides, params string[] extraArgs)
    {
        var ownsData = data is null;
        data ??= new TempDir("hub");
        var port = FreePort.Next();
        string[] args =
        [
            $"--urls=http://127.0.0.1:{port}",
            $"--Hub:DataDirectory={data.Path}",
            $"--Hub:AdminPassword={AdminPassword}",
            "--Mqtt:Embedded:Port=0",
            "--Mqtt:Embedded:ListenOnAllInterfaces=false",
            .. extraArgs,
        ];
        var app = HubApp.Build(args, overrides);
        await app.StartAsync();
        return new HubHost(app, data, port, ownsData);
    }

    /// <summary>An HttpClient with its own cookie jar that does not follow redirects (so tests see them).</summary>
    public HttpClient Client(bool followRedirects = false) =>
        new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = followRedirects, UseCookies = true })
        {
            BaseAddress = new Uri(BaseUrl),
        };

    /// <summary>Logs in through the real login form (antiforgery token included) and returns the client.</summary>
    public async Task<HttpClient> LoggedInClientAsync(string password = AdminPassword)
    {
        var client = Client();
        var response = await LoginAsync(client, password);
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"login failed: {(int)response.StatusCode}");
        }
        return client;
    }

    public static async Task<HttpResponseMessage> LoginAsync(HttpClient client, string password, string username = "admin")
    {
        var token = await AntiforgeryTokenAsync(client, "/login");
        return await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Username"] = username,
            ["Password"] = password,
            ["__RequestVerificationToken"] = token,
        }));
    }

    public static async Task<string> AntiforgeryTokenAsync(HttpClient client, string page)
    {
        var html = await client.GetStringAsync(page);
        var match = TokenRegex().Match(html);
        return match.Success ? WebUtility.HtmlDecode(match.Groups[1].Value) : throw new InvalidOperationException("no antiforgery token on " + page);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenRegex();

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_ownsData)
        {
            _data.Dispose();
        }
    }
}
