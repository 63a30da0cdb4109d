using System.Diagnostics;
using System.Net;
using OpenBekenHub.TestKit;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Foundation;

/// <summary>Failed logins are throttled per address and per account; the right password is never shut out for longer than the window.</summary>
public sealed class LoginThrottleTests
{
    [Fact]
    public async Task Successful_logins_are_never_throttled()
    {
        await using var hub = await HubHost.StartAsync();
        for (var i = 0; i < 12; i++)
        {
            using var browser = new WebClient(hub);
            await browser.LoginAsync();
        }
    }

    [Fact]
    public async Task After_the_address_budget_the_right_password_waits_at_most_one_window_after_the_last_failure()
    {
        await using var hub = await HubHost.StartAsync("--Hub:LoginWindowSeconds=3", "--Hub:LoginAttemptsPerMinute=3");
        using var browser = new WebClient(hub);
        var firstFailure = Stopwatch.StartNew();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await HubHost.LoginAsync(browser.Http, "guess-" + i)).StatusCode);
        }
        var lastFailure = Stopwatch.StartNew();

        var refused = await HubHost.LoginAsync(browser.Http, HubHost.AdminPassword);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.InRange(int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 3);
        Assert.Contains("Too many failed logins", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // keep knocking with the right password: refused attempts do not extend the lock
        await Eventually.TrueAsync(async () => (await HubHost.LoginAsync(browser.Http, HubHost.AdminPassword)).StatusCode == HttpStatusCode.Redirect,
            TimeSpan.FromSeconds(10), "the right password works again after the window");
        Assert.True(firstFailure.Elapsed.TotalSeconds >= 2.9, $"unlocked after {firstFailure.Elapsed.TotalSeconds:F1} s, before the window");
        Assert.True(lastFailure.Elapsed.TotalSeconds <= 3.0 + 1.5, $"locked {lastFailure.Elapsed.TotalSeconds:F1} s after the last failure, longer than the window");
    }

    [Fact]
    public async Task Failures_spread_over_many_addresses_throttle_the_account_but_not_other_accounts()
    {
        // the hub believes X-Forwarded-For from 127.0.0.1, so each request can come "from" another client
        await using var hub = await HubHost.StartAsync("--Hub:ForwardedHeaders:KnownProxies:0=127.0.0.1", "--Hub:LoginAccountAttemptsPerMinute=8");
        for (var i = 0; i < 8; i++)
        {
            var status = await LoginFromAsync(hub, $"198.51.100.{i + 1}", "admin", "guess-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, status);
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, await LoginFromAsync(hub, "203.0.113.7", "admin", HubHost.AdminPassword));
        Assert.Equal(HttpStatusCode.Unauthorized, await LoginFromAsync(hub, "203.0.113.8", "someone-else", "whatever-password"));
    }

    [Fact]
    public async Task One_noisy_address_does_not_throttle_the_admin_logging_in_from_another()
    {
        await using var hub = await HubHost.StartAsync("--Hub:ForwardedHeaders:KnownProxies:0=127.0.0.1");
        for (var i = 0; i < 5; i++)
        {
            await LoginFromAsync(hub, "198.51.100.66", "admin", "guess-" + i);
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, await LoginFromAsync(hub, "198.51.100.66", "admin", HubHost.AdminPassword));
        Assert.Equal(HttpStatusCode.Redirect, await LoginFromAsync(hub, "192.168.1.20", "admin", HubHost.AdminPassword));
    }

    private static async Task<HttpStatusCode> LoginFromAsync(HubHost hub, string address, string username, string password)
    {
        using var browser = new WebClient(hub);
        browser.Http.DefaultRequestHeaders.Add("X-Forwarded-For", address);
        return (await HubHost.LoginAsync(browser.Http, password, username)).StatusCode;
    }
}
