using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using OpenBekenHub.Store;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Foundation;

public sealed class AuthTests : IAsyncLifetime
{
    private HubHost _hub = null!;

    public async Task InitializeAsync() => _hub = await HubHost.StartAsync();

    public async Task DisposeAsync() => await _hub.DisposeAsync();

    [Fact]
    public async Task Dashboard_without_login_redirects_to_the_login_page()
    {
        using var client = _hub.Client();
        var response = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/login", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_without_token_is_401_and_with_login_lists_no_devices()
    {
        using var anonymous = _hub.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/devices")).StatusCode);

        using var client = await _hub.LoggedInClientAsync();
        var devices = await client.GetFromJsonAsync<object[]>("/api/devices");
        Assert.NotNull(devices);
        Assert.Empty(devices);
    }

    [Fact]
    public async Task Health_needs_no_login_and_reports_store_and_broker()
    {
        using var client = _hub.Client();
        var health = await client.GetFromJsonAsync<Health.HealthReport>("/health");
        Assert.NotNull(health);
        Assert.True(health.StoreOk);
        Assert.Equal("embedded", health.Broker.Mode);
        Assert.True(health.Broker.EmbeddedRunning);
    }

    [Fact]
    public async Task Wrong_password_is_refused_and_right_password_logs_in_and_out()
    {
        using var client = _hub.Client();
        var bad = await HubHost.LoginAsync(client, "wrong");
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        Assert.Contains("Wrong user name or password", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var good = await HubHost.LoginAsync(client, HubHost.AdminPassword);
        Assert.Equal(HttpStatusCode.Redirect, good.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);

        var token = await HubHost.AntiforgeryTokenAsync(client, "/");
        var logout = await client.PostAsync("/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task Login_post_without_antiforgery_token_is_rejected()
    {
        using var client = _hub.Client();
        await client.GetAsync("/login"); // gets the antiforgery cookie, but the form field is left out
        var response = await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Username"] = "admin",
            ["Password"] = HubHost.AdminPassword,
        }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task Repeated_failed_logins_are_rate_limited_even_with_the_right_password_afterwards()
    {
        using var client = _hub.Client();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await HubHost.LoginAsync(client, "guess" + i)).StatusCode);
        }
        var limited = await HubHost.LoginAsync(client, HubHost.AdminPassword);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.Contains("Retry-After"));
    }

    [Fact]
    public async Task Api_token_authenticates_scripts_and_an_unknown_token_is_401()
    {
        var (_, secret) = await _hub.Service<ApiTokenStore>().CreateAsync("script", HubScope.Read);
        using var client = _hub.Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/devices")).StatusCode);

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "obk_" + new string('0', 48));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/devices")).StatusCode);
    }

    [Fact]
    public async Task Password_is_stored_hashed_never_in_clear()
    {
        var db = await File.ReadAllBytesAsync(Path.Combine(_hub.DataDirectory, "obkhub.db"));
        var wal = Path.Combine(_hub.DataDirectory, "obkhub.db-wal");
        var all = db.Concat(File.Exists(wal) ? await File.ReadAllBytesAsync(wal) : []).ToArray();
        Assert.DoesNotContain(HubHost.AdminPassword, System.Text.Encoding.UTF8.GetString(all), StringComparison.Ordinal);
        foreach (var log in Directory.GetFiles(Path.Combine(_hub.DataDirectory, "logs")))
        {
            Assert.DoesNotContain(HubHost.AdminPassword, await ReadSharedAsync(log), StringComparison.Ordinal);
        }
    }

    private static async Task<string> ReadSharedAsync(string path)
    {
        await using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(fs);
        return await reader.ReadToEndAsync();
    }
}
