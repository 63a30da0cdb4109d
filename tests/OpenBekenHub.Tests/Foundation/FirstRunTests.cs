using System.Net;
using System.Net.Sockets;
using OpenBekenHub.Cli;
using OpenBekenHub.Store;
using OpenBekenHub.TestKit;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Foundation;

/// <summary>The first start: an admin only from a start that worked, one clear line for every configuration mistake.</summary>
public sealed class FirstRunTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_start_that_fails_creates_no_admin_and_the_next_start_prints_the_password_that_works()
    {
        using var data = new TempDir("first-run");
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var busyPort = ((IPEndPoint)busy.LocalEndpoint).Port;

        await using (var failed = ObkhubProcess.Start(Serve(data.Path, FreePort.Next(), busyPort)))
        {
            Assert.Equal(ExitCodes.Configuration, await failed.WaitForExitAsync(StartTimeout));
            Assert.Contains("cannot listen", failed.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Password:", failed.Stdout, StringComparison.Ordinal);
        }
        Assert.Equal(0, await new UserStore(new HubStore(Path.Combine(data.Path, "obkhub.db"))).CountAsync());

        var httpPort = FreePort.Next();
        await using var started = ObkhubProcess.Start(Serve(data.Path, httpPort, 0));
        await Eventually.TrueAsync(() => started.Stdout.Contains("Password: ", StringComparison.Ordinal), StartTimeout, "the generated password is printed");
        var password = started.Stdout.Split('\n').Single(l => l.Contains("Password: ", StringComparison.Ordinal)).Split("Password: ")[1].Trim();
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        Assert.Equal(HttpStatusCode.Redirect, (await HubHost.LoginAsync(client, password)).StatusCode);
    }

    [Fact]
    public async Task A_configuration_mistake_prints_one_line_naming_the_key_and_no_stack_trace()
    {
        using var data = new TempDir("config-error");
        await using var process = ObkhubProcess.Start([.. Serve(data.Path, FreePort.Next(), 0), "--Mqtt:Embedded:Port", "abc"]);
        Assert.Equal(ExitCodes.Configuration, await process.WaitForExitAsync(StartTimeout));
        Assert.Equal("obkhub: configuration error: Mqtt:Embedded:Port must be a whole number", process.Stderr.Trim());
        Assert.DoesNotContain("Exception", process.Stdout + process.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", process.Stdout + process.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("123456789")]
    public async Task A_too_short_OBKHUB_ADMIN_PASSWORD_is_refused_with_one_line(string password)
    {
        using var data = new TempDir("short-admin");
        await using var process = ObkhubProcess.Start(Serve(data.Path, FreePort.Next(), 0), new Dictionary<string, string> { ["OBKHUB_ADMIN_PASSWORD"] = password });
        Assert.Equal(ExitCodes.Configuration, await process.WaitForExitAsync(StartTimeout));
        Assert.Equal("obkhub: configuration error: OBKHUB_ADMIN_PASSWORD must have at least 10 characters (got " + password.Length + ")", process.Stderr.Trim());
        Assert.False(File.Exists(Path.Combine(data.Path, "obkhub.db")) && await new UserStore(new HubStore(Path.Combine(data.Path, "obkhub.db"))).CountAsync() > 0);
    }

    [Fact]
    public async Task The_admin_password_setting_replaces_an_existing_password_only_with_the_explicit_reset_flag()
    {
        using var data = new TempDir("reset-flag");
        string saved;
        await using (var first = await HubHost.StartAsync(data))
        {
            using var browser = new WebClient(first);
            await browser.LoginAsync();
            saved = browser.AuthCookie;
        }
        await using (var ignored = await HubHost.StartAsync(data, "--Hub:AdminPassword=another-password-1"))
        {
            Assert.NotNull(await ignored.Service<UserStore>().VerifyAsync("admin", HubHost.AdminPassword));
            Assert.Null(await ignored.Service<UserStore>().VerifyAsync("admin", "another-password-1"));
            Assert.Equal(HttpStatusCode.OK, await WebClient.ReplayAsync(ignored.BaseUrl, saved, "/api/devices"));
        }
        await using var reset = await HubHost.StartAsync(data, "--Hub:AdminPassword=another-password-1", "--Hub:ResetAdminPassword=true");
        Assert.NotNull(await reset.Service<UserStore>().VerifyAsync("admin", "another-password-1"));
        Assert.Equal(HttpStatusCode.Unauthorized, await WebClient.ReplayAsync(reset.BaseUrl, saved, "/api/devices"));
    }

    [Fact]
    public async Task The_reset_flag_without_a_password_is_a_configuration_error()
    {
        using var data = new TempDir("reset-flag-alone");
        await using var process = ObkhubProcess.Start([.. Serve(data.Path, FreePort.Next(), 0), "--Hub:ResetAdminPassword", "true"]);
        Assert.Equal(ExitCodes.Configuration, await process.WaitForExitAsync(StartTimeout));
        Assert.Contains("Hub:ResetAdminPassword needs the new password in OBKHUB_ADMIN_PASSWORD", process.Stderr, StringComparison.Ordinal);
        Assert.Single(process.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task The_favicon_is_served_without_a_login_and_linked_from_every_page()
    {
        await using var hub = await HubHost.StartAsync();
        using var anonymous = hub.Client();
        using var ico = await anonymous.GetAsync("/favicon.ico");
        Assert.Equal(HttpStatusCode.OK, ico.StatusCode);
        var bytes = await ico.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0, 0, 1, 0 }, bytes[..4]); // ICO header: reserved 0, type 1 (icon)
        using var svg = await anonymous.GetAsync("/favicon.svg");
        Assert.Equal("image/svg+xml", svg.Content.Headers.ContentType?.MediaType);
        Assert.Contains("rel=\"icon\" href=\"/favicon.svg\"", await anonymous.GetStringAsync("/login"), StringComparison.Ordinal);
    }

    private static string[] Serve(string data, int httpPort, int brokerPort) =>
    [
        "--data", data, "--urls", $"http://127.0.0.1:{httpPort}",
        "--Mqtt:Embedded:Port", brokerPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--Mqtt:Embedded:ListenOnAllInterfaces", "false",
    ];
}
