using Microsoft.Playwright;
using OpenBekenHub.Hosting;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.State;
using OpenBekenHub.Simulators.Plugs;
using OpenBekenHub.TestKit;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Pages;

public sealed class DashboardPageTests : IClassFixture<Browser>, IAsyncLifetime
{
    private readonly Browser _browser;
    private HubHost _hub = null!;
    private PlugFleet _fleet = null!;

    public DashboardPageTests(Browser browser) => _browser = browser;

    public async Task InitializeAsync()
    {
        _hub = await HubHost.StartAsync();
        _fleet = await PlugFleet.StartAsync("127.0.0.1", _hub.Service<EmbeddedBrokerService>().Broker!.Port, 3,
            new PlugFleetOptions { PowerMeterEvery = 2, BroadcastItemsPerSecond = 50, Customize = Broker.BrokerTestAccess.WithOwnAccounts(_hub) });
        await _fleet.WaitAllConnectedAsync(TimeSpan.FromSeconds(20));
        var registry = _hub.Service<DeviceStateStore>();
        await Eventually.TrueAsync(() => registry.List().Count(d => d.Online && d.Record.Channels.Count > 0) == 3,
            TimeSpan.FromSeconds(20), "three simulated plugs adopted with their relays");
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        await _hub.DisposeAsync();
    }

    [Fact]
    public async Task Simulated_plugs_appear_and_a_relay_toggle_reaches_the_plug_and_comes_back_live()
    {
        var page = await _browser.NewPageAsync(_hub.BaseUrl, phone: true);
        await Browser.LoginAsync(page);
        await page.GotoAsync("/");
        await Assertions.Expect(page.Locator("tr[data-device]")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("body[data-live='open']")).ToHaveCountAsync(1);

        var plug = _fleet[0];
        var id = _hub.Service<DeviceStateStore>().FindByTopic(plug.ClientTopic)!.Id;
        var button = page.Locator($"tr[data-device='{id}'] button[data-channel='1']");
        var before = plug.IsRelayOn();
        await Assertions.Expect(button).ToHaveAttributeAsync("aria-pressed", before ? "true" : "false");

        var responses = new List<string>();
        page.Response += (_, r) => { lock (responses) { responses.Add($"{r.Request.Method} {r.Url} {r.Status}"); } };
        await button.ClickAsync();
        await Eventually.TrueAsync(() => plug.IsRelayOn() != before, TimeSpan.FromSeconds(10),
            "the simulated plug switched; responses: " + string.Join(" | ", responses) + " title=" + await button.GetAttributeAsync("title"));
        await Assertions.Expect(button).ToHaveAttributeAsync("aria-pressed", before ? "false" : "true");

        // the plug's own button (not the hub) changes state: the page follows without a reload
        plug.PressButton();
        await Assertions.Expect(button).ToHaveAttributeAsync("aria-pressed", before ? "true" : "false");
        await Browser.ScreenshotAsync(page, "dashboard-live");

        // search narrows the list
        await page.Locator("#search").FillAsync(plug.ClientTopic.ToLowerInvariant());
        await Assertions.Expect(page.Locator("tr[data-device]:visible")).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task Device_page_renames_and_forgets_a_plug()
    {
        var plug = _fleet[1];
        var registry = _hub.Service<DeviceStateStore>();
        var id = registry.FindByTopic(plug.ClientTopic)!.Id;
        var page = await _browser.NewPageAsync(_hub.BaseUrl, phone: true);
        await Browser.LoginAsync(page);
        await page.GotoAsync($"/devices/{id}");
        await page.Locator("[name=name]").FillAsync("Hall lamp");
        await page.Locator("[name=area]").FillAsync("Hall");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(page.Locator("#message")).ToContainTextAsync("Saved");
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("Hall lamp");
        Assert.Equal("Hall", registry.Find(id)!.Record.Area);
        await Browser.ScreenshotAsync(page, "device-page");

        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Forget device" }).ClickAsync();
        await page.WaitForURLAsync(url => url.EndsWith('/'));
        Assert.Null(registry.Find(id));
    }
}
