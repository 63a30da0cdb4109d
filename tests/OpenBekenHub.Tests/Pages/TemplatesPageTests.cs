using OpenBekenHub.Mqtt.State;
using OpenBekenHub.Tests.Broker;
using System.Net;
using Microsoft.Playwright;
using OpenBekenHub.Hosting;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Simulators.Plugs;
using OpenBekenHub.TestKit;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Pages;

/// <summary>Templates in Chromium: fetched from a URL (a local server stands in for the public one), paged, searched, used.</summary>
public sealed class TemplatesPageTests : IClassFixture<Browser>, IAsyncLifetime
{
    private readonly Browser _browser;
    private HubHost _hub = null!;
    private PlugFleet _fleet = null!;
    private HttpListener _server = null!;
    private string _listUrl = "";

    public TemplatesPageTests(Browser browser) => _browser = browser;

    public async Task InitializeAsync()
    {
        var httpPort = FreePort.Next();
        _hub = await HubHost.StartAsync($"--Bridge:DeviceHttpPort={httpPort}");
        var subnet = Random.Shared.Next(2, 250);
        _fleet = await PlugFleet.StartAsync("127.0.0.1", _hub.Service<EmbeddedBrokerService>().Broker!.Port, 1, new PlugFleetOptions
        {
            PowerMeterEvery = 0,
            BroadcastItemsPerSecond = 50,
            ReconnectDelay = TimeSpan.FromSeconds(1),
            Customize = s => _hub.WithOwnAccounts()(s with { Ip = $"127.{subnet}.2.1", HttpPort = httpPort, RestartDelay = TimeSpan.FromMilliseconds(300) }),
        });
        await _fleet.WaitAllConnectedAsync(TimeSpan.FromSeconds(20));
        await Eventually.TrueAsync(() => _hub.Service<DeviceStateStore>().List().Any(d => d.Online && d.Record.Ip is not null), TimeSpan.FromSeconds(20), "plug adopted");

        var listPort = FreePort.Next();
        _listUrl = $"http://127.0.0.1:{listPort}/webapp/devices.json";
        _server = new HttpListener();
        _server.Prefixes.Add($"http://127.0.0.1:{listPort}/webapp/");
        _server.Start();
        _ = Task.Run(async () =>
        {
            var body = System.Text.Encoding.UTF8.GetBytes(TemplateList.Json(30));
            while (_server.IsListening)
            {
                HttpListenerContext ctx;
                try
                {
                    ctx = await _server.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }
                if (ctx.Request.Url!.AbsolutePath.EndsWith("/devices.json", StringComparison.Ordinal))
                {
                    ctx.Response.ContentType = "application/json";
                    await ctx.Response.OutputStream.WriteAsync(body);
                }
                else
                {
                    ctx.Response.StatusCode = 404;
                }
                ctx.Response.Close();
            }
        });
    }

    public async Task DisposeAsync()
    {
        _server.Stop();
        _server.Close();
        await _fleet.DisposeAsync();
        await _hub.DisposeAsync();
    }

    /// <summary>Logs in straight to /templates (the shared helper lands on the dashboard, which is not under test here).</summary>
    private static async Task LoginToTemplatesAsync(IPage page)
    {
        await page.GotoAsync("/login?ReturnUrl=%2Ftemplates");
        await page.GetByLabel("User name").FillAsync("admin");
        await page.GetByLabel("Password").FillAsync(HubHost.AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        // polls the address: waiting for a load state after the redirect missed its event under load (30 s timeouts in CI)
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(System.Text.RegularExpressions.Regex.Escape("/templates") + "$"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_list_is_fetched_in_one_click_paged_searched_and_applied_to_a_plug(bool phone)
    {
        var page = await _browser.NewPageAsync(_hub.BaseUrl, phone);
        await LoginToTemplatesAsync(page);
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Templates" }).ClickAsync();
        await Assertions.Expect(page.Locator("#no-templates")).ToContainTextAsync("No device list yet");

        await page.GetByLabel("Device list address").FillAsync(_listUrl);
        await page.GetByRole(AriaRole.Button, new() { Name = "Fetch the list" }).ClickAsync();
        await Assertions.Expect(page.Locator("#message")).ToContainTextAsync("Fetched 30 device templates");
        await Assertions.Expect(page.Locator("#showing")).ToHaveTextAsync("Showing 1–25 of 30");
        await Assertions.Expect(page.Locator("#templates tbody tr")).ToHaveCountAsync(25);

        await page.Locator("#next").ClickAsync();
        await Assertions.Expect(page.Locator("#showing")).ToHaveTextAsync("Showing 26–30 of 30");
        await Assertions.Expect(page.Locator("#next")).ToHaveCountAsync(0);

        await page.GetByLabel("Search templates").FillAsync("AC-07");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        var row = page.Locator("tr[data-template='Acme Plug 07']");
        await Assertions.Expect(page.Locator("#templates tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(row.GetByRole(AriaRole.Link, new() { Name = "Use for a flash" }))
            .ToHaveAttributeAsync("href", "/flash?template=Acme%20Plug%2007");
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= innerWidth"), "no horizontal scroll");
        await Browser.ScreenshotAsync(page, phone ? "templates-phone" : "templates-desktop");

        // template 07 moves the relay to P24 and the button to P6: the plug's own pin table changes, old pins are cleared
        await row.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/devices/", StringComparison.Ordinal));
        await Assertions.Expect(page.Locator("#message")).ToContainTextAsync("Template 'Acme Plug 07' applied");
        var plug = _fleet[0];
        Assert.Contains(new PinAssignment(24, "Rel", 1), plug.Pins);
        Assert.Contains(new PinAssignment(6, "Btn", 1), plug.Pins);
        Assert.DoesNotContain(plug.Pins, p => p.Pin == 26);
        await Assertions.Expect(page.Locator("select[name='role-24']")).ToHaveValueAsync("Rel");
    }

    [Fact]
    public async Task An_address_that_does_not_answer_with_the_list_is_refused_with_a_reason()
    {
        var page = await _browser.NewPageAsync(_hub.BaseUrl);
        await LoginToTemplatesAsync(page);
        await page.GetByLabel("Device list address").FillAsync(_listUrl.Replace("devices.json", "missing.json", StringComparison.Ordinal));
        await page.GetByRole(AriaRole.Button, new() { Name = "Fetch the list" }).ClickAsync();
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("Could not fetch the list");
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("404");
        await Assertions.Expect(page.Locator("#no-templates")).ToContainTextAsync("No device list yet");
    }
}
