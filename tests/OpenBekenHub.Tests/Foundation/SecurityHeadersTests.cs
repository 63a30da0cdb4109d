using System.Net;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Foundation;

/// <summary>Every response forbids framing, sniffing and foreign or inline script; cookies are Secure behind a trusted TLS proxy only.</summary>
public sealed class SecurityHeadersTests(Browser browser) : IClassFixture<Browser>
{
    [Theory]
    [InlineData("/login", false)]
    [InlineData("/", true)]
    [InlineData("/settings", true)]
    [InlineData("/api/devices", true)]
    [InlineData("/api/devices", false)]
    [InlineData("/health", false)]
    [InlineData("/css/site.css", false)]
    [InlineData("/no-such-page", true)]
    public async Task Every_response_carries_CSP_nosniff_and_frame_ancestors_none(string path, bool loggedIn)
    {
        await using var hub = await HubHost.StartAsync();
        using var client = loggedIn ? await hub.LoggedInClientAsync() : hub.Client();
        using var response = await client.GetAsync(path);
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
    }

    [Fact]
    public async Task Forwarded_headers_are_ignored_unless_the_proxy_is_listed()
    {
        await using (var open = await HubHost.StartAsync())
        {
            Assert.False(await LoginCookieIsSecureAsync(open));
        }
        await using (var otherProxy = await HubHost.StartAsync("--Hub:ForwardedHeaders:KnownProxies:0=10.9.9.9"))
        {
            Assert.False(await LoginCookieIsSecureAsync(otherProxy));
        }
        await using var behindProxy = await HubHost.StartAsync("--Hub:ForwardedHeaders:KnownProxies:0=127.0.0.1");
        Assert.True(await LoginCookieIsSecureAsync(behindProxy));
    }

    [Fact]
    public async Task Pages_run_under_the_policy_without_a_single_violation()
    {
        await using var hub = await HubHost.StartAsync("--Hub:Demo=true");
        var page = await browser.NewPageAsync(hub.BaseUrl);
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                lock (violations)
                {
                    violations.Add(message.Text);
                }
            }
        };
        await Browser.LoginAsync(page);
        foreach (var path in new[] { "/", "/flash", "/firmware", "/backups", "/templates", "/settings" })
        {
            var response = await page.GotoAsync(path);
            Assert.True(response is { Ok: true }, $"{path} answered {response?.Status}");
        }
        // the wiring module picker submits on change through js/forms.js (an inline onchange would be refused)
        await page.GotoAsync("/flash");
        var select = page.Locator("select[name=module]");
        var other = await select.Locator("option:not([selected])").First.GetAttributeAsync("value");
        await select.SelectOptionAsync(other!);
        await page.WaitForURLAsync(url => url.Contains("module=", StringComparison.Ordinal));
        await Browser.ScreenshotAsync(page, "csp-flash-module-picker");
        lock (violations)
        {
            Assert.True(violations.Count == 0, string.Join("\n", violations));
        }
    }

    /// <summary>Logs in as through a TLS proxy; cookies are carried by hand, since a Secure cookie is never sent over http.</summary>
    private static async Task<bool> LoginCookieIsSecureAsync(HubHost hub)
    {
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = new Uri(hub.BaseUrl) };
        client.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
        client.DefaultRequestHeaders.Add("X-Forwarded-For", "192.0.2.50");
        using var form = await client.GetAsync("/login");
        var antiforgeryCookie = form.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("obkhub.af=", StringComparison.Ordinal)).Split(';')[0];
        var token = System.Text.RegularExpressions.Regex.Match(await form.Content.ReadAsStringAsync(), "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        using var post = new HttpRequestMessage(HttpMethod.Post, "/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Username"] = "admin", ["Password"] = HubHost.AdminPassword, ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
            }),
        };
        post.Headers.Add("Cookie", antiforgeryCookie);
        using var response = await client.SendAsync(post);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("obkhub.auth=", StringComparison.Ordinal));
        return cookie.Contains("; secure", StringComparison.OrdinalIgnoreCase);
    }
}
