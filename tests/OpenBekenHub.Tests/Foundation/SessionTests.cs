using System.Net;
using OpenBekenHub.Cli;
using OpenBekenHub.Store;
using OpenBekenHub.TestKit;
using OpenBekenHub.Tests.Cli;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Foundation;

/// <summary>A login cookie is only as good as its server-side session: logout, a password change and a reset end it.</summary>
[Collection(CliCollection.Name)]
public sealed class SessionTests
{
    [Fact]
    public async Task A_saved_cookie_stops_working_after_logout()
    {
        await using var hub = await HubHost.StartAsync();
        using var browser = new WebClient(hub);
        await browser.LoginAsync();
        var saved = browser.AuthCookie;
        Assert.Equal(HttpStatusCode.OK, await WebClient.ReplayAsync(hub.BaseUrl, saved, "/api/devices"));

        Assert.Equal(HttpStatusCode.Redirect, (await browser.LogoutAsync()).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, await WebClient.ReplayAsync(hub.BaseUrl, saved, "/api/devices"));
        Assert.Equal(HttpStatusCode.Unauthorized, await WebClient.ReplayAsync(hub.BaseUrl, saved, "/settings"));
        Assert.Equal(0, await hub.Service<SessionStore>().CountAsync());
    }

    [Fact]
    public async Task Logout_ends_only_that_browser_s_session()
    {
        await using var hub = await HubHost.StartAsync();
        using var phone = new WebClient(hub);
        using var laptop = new WebClient(hub);
        await phone.LoginAsync();
        await laptop.LoginAsync();

        await phone.LogoutAsync();

        Assert.Equal(HttpStatusCode.OK, await WebClient.ReplayAsync(hub.BaseUrl, laptop.AuthCookie, "/api/devices"));
    }

    [Fact]
    public async Task A_password_change_ends_every_other_session_and_keeps_the_changing_browser_logged_in()
    {
        await using var hub = await HubHost.StartAsync();
        using var changer = new WebClient(hub);
        using var other = new WebClient(hub);
        await changer.LoginAsync();
        await other.LoginAsync();
        var changerBefore = changer.AuthCookie;
        var otherSaved = other.AuthCookie;

        var response = await changer.PostFormAsync("/settings", "Password", new()
        {
            ["current"] = HubHost.AdminPassword, ["next"] = "a-brand-new-password", ["confirm"] = "a-brand-new-password",
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("Every other session was logged out", await changer.Http.GetStringAsync("/settings"), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Unauthorized, await WebClient.ReplayAsync(hub.BaseUrl, otherSaved, "/api/devices"));
        Assert.Equal(HttpStatusCode.Unauthorized, await WebClient.ReplayAsync(hub.BaseUrl, changerBefore, "/api/devices"));
        Assert.Equal(HttpStatusCode.OK, (await changer.Http.GetAsync("/api/devices")).StatusCode);
        using var fresh = new WebClient(hub);
        Assert.Equal(HttpStatusCode.Unauthorized, (await HubHost.LoginAsync(fresh.Http, HubHost.AdminPassword)).StatusCode);
        await fresh.LoginAsync("a-brand-new-password");
    }

    [Fact]
    public async Task Too_short_a_new_password_is_refused_by_the_settings_page()
    {
        await using var hub = await HubHost.StartAsync();
        using var browser = new WebClient(hub);
        await browser.LoginAsync();
        await browser.PostFormAsync("/settings", "Password", new() { ["current"] = HubHost.AdminPassword, ["next"] = "short", ["confirm"] = "short" });
        Assert.Contains("at least 10 characters", await browser.Http.GetStringAsync("/settings"), StringComparison.Ordinal);
        Assert.NotNull(await hub.Service<UserStore>().VerifyAsync("admin", HubHost.AdminPassword));
    }

    [Fact]
    public async Task Admin_reset_password_sets_the_given_password_and_ends_every_session_of_a_running_hub()
    {
        await using var hub = await HubHost.StartAsync();
        using var browser = new WebClient(hub);
        await browser.LoginAsync();
        var saved = browser.AuthCookie;

        var (code, stdout, stderr) = await CliRunner.RunAsync("admin", "reset-password", "--data", hub.DataDirectory, "--password", "reset-by-the-cli-123");

        Assert.True(code == ExitCodes.Ok, $"exit {code}: {stderr}");
        Assert.Contains("every session of 'admin' was ended", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("reset-by-the-cli-123", stdout, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, await WebClient.ReplayAsync(hub.BaseUrl, saved, "/api/devices"));
        using var fresh = new WebClient(hub);
        await fresh.LoginAsync("reset-by-the-cli-123");
    }

    [Fact]
    public async Task Admin_reset_password_without_a_password_generates_one_and_prints_it_once()
    {
        await using var hub = await HubHost.StartAsync();
        var (code, stdout, stderr) = await CliRunner.RunAsync("admin", "reset-password", "--data", hub.DataDirectory);
        Assert.True(code == ExitCodes.Ok, $"exit {code}: {stderr}");
        var generated = stdout.Split('\n').Single(l => l.StartsWith("Password: ", StringComparison.Ordinal))["Password: ".Length..].Trim();
        Assert.Equal(16, generated.Length);
        using var browser = new WebClient(hub);
        await browser.LoginAsync(generated);
        foreach (var log in Directory.GetFiles(Path.Combine(hub.DataDirectory, "logs")))
        {
            await using var fs = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            Assert.DoesNotContain(generated, await new StreamReader(fs).ReadToEndAsync(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("short", "at least 10 characters")]
    [InlineData("long-enough-password", "no hub data in")]
    public async Task Admin_reset_password_refuses_with_one_line(string password, string expected)
    {
        using var data = new TempDir("reset");
        var (code, _, stderr) = await CliRunner.RunAsync("admin", "reset-password", "--data", data.Path, "--password", password);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
    }
}
