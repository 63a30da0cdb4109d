using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenBekenHub.Store;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Foundation;

/// <summary>API tokens carry a scope: read reads, control also switches and restarts plugs, admin does everything.</summary>
public sealed class TokenScopeTests : IAsyncLifetime
{
    private HubHost _hub = null!;

    public async Task InitializeAsync() => _hub = await HubHost.StartAsync();

    public async Task DisposeAsync() => await _hub.DisposeAsync();

    [Fact]
    public async Task A_read_token_reads_every_GET_route_and_is_forbidden_on_every_other_method()
    {
        using var client = await TokenClientAsync(HubScope.Read);
        var checkedWrites = 0;
        foreach (var (method, path) in Routes())
        {
            var status = await SendAsync(client, method, path);
            // admin-only reads: a backup holds the plug's secrets, the broker API hands out Home Assistant's password
            if (method == "GET" && path != "/backups/download/x" && !path.StartsWith("/api/broker", StringComparison.Ordinal))
            {
                Assert.True(status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden), $"read token: GET {path} answered {(int)status}");
            }
            else
            {
                Assert.True(status == HttpStatusCode.Forbidden, $"read token: {method} {path} answered {(int)status}");
                checkedWrites++;
            }
        }
        Assert.True(checkedWrites > 10, $"only {checkedWrites} write routes found");
    }

    [Fact]
    public async Task A_control_token_switches_and_restarts_plugs_but_cannot_run_console_commands_start_jobs_or_fetch_backups()
    {
        using var client = await TokenClientAsync(HubScope.Control);
        // 404: past authorization, no such device
        Assert.Equal(HttpStatusCode.NotFound, await SendAsync(client, "POST", "/api/devices/nope/channels/1", """{"state":"on"}"""));
        Assert.Equal(HttpStatusCode.NotFound, await SendAsync(client, "POST", "/api/devices/nope/restart"));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, "GET", "/api/devices"));

        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(client, "POST", "/api/devices/nope/command", """{"command":"MqttHost evil"}"""));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(client, "PATCH", "/api/devices/nope", """{"friendlyName":"x"}"""));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(client, "DELETE", "/api/devices/nope"));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(client, "POST", "/api/jobs"));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(client, "GET", "/backups/download/x.bin"));
    }

    [Fact]
    public async Task An_admin_token_passes_authorization_everywhere()
    {
        using var client = await TokenClientAsync(HubScope.Admin);
        Assert.Equal(HttpStatusCode.NotFound, await SendAsync(client, "POST", "/api/devices/nope/command", """{"command":"Status"}"""));
        Assert.Equal(HttpStatusCode.NotFound, await SendAsync(client, "DELETE", "/api/devices/nope"));
        Assert.Equal(HttpStatusCode.NotFound, await SendAsync(client, "GET", "/backups/download/x.bin"));
        Assert.Equal(HttpStatusCode.BadRequest, await SendAsync(client, "POST", "/api/jobs"));
    }

    [Fact]
    public async Task Settings_creates_a_token_with_the_chosen_scope_and_shows_the_secret_once()
    {
        using var browser = new WebClient(_hub);
        await browser.LoginAsync();
        await browser.PostFormAsync("/settings", "CreateToken", new() { ["name"] = "dashboard script", ["scope"] = "control" });
        var html = await browser.Http.GetStringAsync("/settings");
        var secret = System.Text.RegularExpressions.Regex.Match(html, "obk_[0-9a-f]{48}").Value;
        Assert.NotEmpty(secret);
        Assert.Contains("data-scope=\"control\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, await browser.Http.GetStringAsync("/settings"), StringComparison.Ordinal);

        var token = Assert.Single(await _hub.Service<ApiTokenStore>().ListAsync());
        Assert.Equal(HubScope.Control, token.Scope);
        using var script = _hub.Client();
        script.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        Assert.Equal(HttpStatusCode.NotFound, await SendAsync(script, "POST", "/api/devices/nope/restart"));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(script, "POST", "/api/jobs"));

        await browser.PostFormAsync("/settings", "CreateToken", new() { ["name"] = "bad", ["scope"] = "root" });
        Assert.Contains("Choose the token", await browser.Http.GetStringAsync("/settings"), StringComparison.Ordinal);
        Assert.Single(await _hub.Service<ApiTokenStore>().ListAsync());
    }

    private async Task<HttpClient> TokenClientAsync(HubScope scope)
    {
        var (_, secret) = await _hub.Service<ApiTokenStore>().CreateAsync("test " + scope, scope);
        var client = _hub.Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return client;
    }

    private IEnumerable<(string Method, string Path)> Routes() =>
        _hub.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => !(e.RoutePattern.RawText ?? "").Contains("{**", StringComparison.Ordinal))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET", "POST"])
                .Select(m => (m, System.Text.RegularExpressions.Regex.Replace("/" + (e.RoutePattern.RawText ?? "").TrimStart('/'), "{[^}]+}", "x"))))
            .Where(r => r.Item2 is not ("/login" or "/health"))
            .Distinct();

    private static async Task<HttpStatusCode> SendAsync(HttpClient client, string method, string path, string body = "{}")
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PATCH" or "PUT")
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        // live streams never end: the status line is enough
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        return response.StatusCode;
    }
}
