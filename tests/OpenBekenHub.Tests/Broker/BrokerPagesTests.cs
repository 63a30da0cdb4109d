using Microsoft.Playwright;
using OpenBekenHub.Hosting;
using OpenBekenHub.Mqtt.Security;
using OpenBekenHub.Simulators.Plugs;
using OpenBekenHub.TestKit;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Broker;

/// <summary>The broker partials in real Chromium on a 390 px phone: permit-join in Settings, one-click approval on the dashboard.</summary>
public sealed class BrokerPagesTests(Browser browser) : IClassFixture<Browser>
{
    [Fact]
    public async Task Settings_opens_permit_join_and_the_dashboard_approves_a_refused_plug_on_a_phone()
    {
        await using var hub = await HubHost.StartAsync();
        var page = await browser.NewPageAsync(hub.BaseUrl, phone: true);
        await Browser.LoginAsync(page);

        await page.GotoAsync("/settings");
        await Assertions.Expect(page.Locator("#ha-account")).ToContainTextAsync("homeassistant");
        await page.Locator("#permit-join-form button").ClickAsync();
        await Assertions.Expect(page.Locator("#permit-join-state")).ToContainTextAsync("Open until");
        Assert.NotNull(hub.Service<BrokerGate>().PermitJoinUntil);
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), "settings scroll sideways at 390 px");
        await Browser.ScreenshotAsync(page, "settings-broker-phone");
        await page.Locator("#permit-join-close").ClickAsync();
        await Assertions.Expect(page.Locator("#permit-join-state")).ToContainTextAsync("Closed");

        // a plug with the factory login is refused and listed; Approve lets it join and move to its own account
        var port = hub.Service<EmbeddedBrokerService>().Broker!.Port;
        await using var plug = new SimulatedPlug(PlugSettings.ForIndex(42, "127.0.0.1", port) with
        {
            Username = "homeassistant", Password = "qqqqqqqqqq", ReconnectDelay = TimeSpan.FromMilliseconds(500), RestartDelay = TimeSpan.FromMilliseconds(300),
        });
        await plug.StartAsync();
        await Eventually.TrueAsync(() => hub.Service<BrokerGate>().Refused.Find(plug.ClientTopic) is not null, because: "the plug is refused");
        await page.GotoAsync("/");
        var row = page.Locator($"#refused-clients tr[data-client='{plug.ClientTopic}']");
        await Assertions.Expect(row).ToContainTextAsync("wrong password");
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), "dashboard scrolls sideways at 390 px");
        await Browser.ScreenshotAsync(page, "dashboard-refused-phone");
        await row.Locator("button.approve").ClickAsync();
        await Assertions.Expect(page.Locator($"#refused-clients tr[data-client='{plug.ClientTopic}']")).ToHaveCountAsync(0);
        await Eventually.TrueAsync(() => hub.Service<BrokerAccounts>().Find(plug.ClientTopic)?.Confirmed is not null && plug.IsConnected,
            TimeSpan.FromSeconds(30), "the approved plug moved to its own account");
    }
}
