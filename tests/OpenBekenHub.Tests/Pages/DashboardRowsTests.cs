using OpenBekenHub.Mqtt.State;
using OpenBekenHub.Tests.Broker;
using Microsoft.Playwright;
using OpenBekenHub.Hosting;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Simulators.Plugs;
using OpenBekenHub.TestKit;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Pages;

/// <summary>Dashboard rows follow the bridge without a reload: a plug that appears gets its row and a working relay button.</summary>
public sealed class DashboardRowsTests : IClassFixture<Browser>
{
    private readonly Browser _browser;

    public DashboardRowsTests(Browser browser) => _browser = browser;

    [Fact]
    public async Task A_new_plug_gets_a_row_with_a_working_relay_button_without_a_reload_and_an_empty_filter_says_so()
    {
        await using var hub = await HubHost.StartAsync();
        var port = hub.Service<EmbeddedBrokerService>().Broker!.Port;
        await using var first = await PlugFleet.StartAsync("127.0.0.1", port, 1, new PlugFleetOptions { PowerMeterEvery = 0, BroadcastItemsPerSecond = 50, Customize = hub.WithOwnAccounts() });
        var registry = hub.Service<DeviceStateStore>();
        await Eventually.TrueAsync(() => registry.List().Count(d => d.Record.Channels.Count > 0) == 1, TimeSpan.FromSeconds(20), "first plug adopted");

        var page = await _browser.NewPageAsync(hub.BaseUrl, phone: true);
        await page.GotoAsync("/login?ReturnUrl=%2F");
        await page.GetByLabel("User name").FillAsync("admin");
        await page.GetByLabel("Password").FillAsync(HubHost.AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Assertions.Expect(page.Locator("body[data-live='open']")).ToHaveCountAsync(1);
        await page.EvaluateAsync("window.__noReload = true");

        await using var second = await PlugFleet.StartAsync("127.0.0.1", port, 1, new PlugFleetOptions { FirstIndex = 7, PowerMeterEvery = 0, BroadcastItemsPerSecond = 50, Customize = hub.WithOwnAccounts() });
        var plug = second[0];
        await Eventually.TrueAsync(() => registry.FindByTopic(plug.ClientTopic) is { } d && d.Record.Channels.Count > 0, TimeSpan.FromSeconds(20), "second plug adopted");
        var id = registry.FindByTopic(plug.ClientTopic)!.Id;
        var button = page.Locator($"tr[data-device='{id}'] button[data-channel='1']");
        await Assertions.Expect(button).ToHaveCountAsync(1);
        Assert.True(await page.EvaluateAsync<bool>("window.__noReload === true"), "the page was not reloaded");

        await button.ClickAsync();
        await Eventually.TrueAsync(() => plug.IsRelayOn(), TimeSpan.FromSeconds(10), "the new plug switched on from its new row");
        await Assertions.Expect(button).ToHaveAttributeAsync("aria-pressed", "true");
        await Assertions.Expect(page.Locator($"tr[data-device='{id}'] td.seen")).ToHaveTextAsync("just now");

        await page.Locator("#search").FillAsync("no-such-plug");
        await Assertions.Expect(page.Locator("#no-match")).ToBeVisibleAsync();
        await page.Locator("#search").FillAsync("");
        await Assertions.Expect(page.Locator("#no-match")).ToBeHiddenAsync();
        await Browser.ScreenshotAsync(page, "dashboard-new-row-phone");
    }
}
