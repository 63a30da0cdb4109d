using System.Text;
using Microsoft.Playwright;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Configs;

public sealed class ConfigPagesTests : IClassFixture<Browser>
{
    private readonly Browser _browser;

    public ConfigPagesTests(Browser browser) => _browser = browser;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_history_page_lists_versions_shows_the_diff_and_restores_without_horizontal_scroll(bool phone)
    {
        await using var h = await ConfigHarness.StartAsync();
        var (plug, id) = await h.AddPlugAsync("02:0b:00:00:0c:01", "127.0.0.2");
        plug.WriteLfsFile("autoexec.bat", Encoding.UTF8.GetBytes("startDriver NTP\nntp_timeZoneOfs 1\n"));
        await h.BackupAsync(id);
        plug.WriteLfsFile("autoexec.bat", Encoding.UTF8.GetBytes("startDriver NTP\nntp_timeZoneOfs 2\naddEventHandler OnClick 10 publish clicked 1\n"));
        plug.Execute("SetPinRole 26 Rel_n");
        await h.BackupAsync(id);

        var page = await _browser.NewPageAsync(h.Hub.BaseUrl, phone);
        await Browser.LoginAsync(page);
        await page.GotoAsync("/configs");
        await Assertions.Expect(page.Locator($"tr[data-device='{id}']")).ToContainTextAsync("v2");
        await AssertNoHorizontalScrollAsync(page);
        await Browser.ScreenshotAsync(page, $"configs-{(phone ? 390 : 1280)}");

        await page.Locator($"tr[data-device='{id}'] a").First.ClickAsync();
        await Assertions.Expect(page.Locator("tr[data-version]")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#diff li[data-item='pin P26']")).ToContainTextAsync("Rel_n ch1");
        var autoexec = page.Locator("#diff li[data-item='file autoexec.bat']");
        await Assertions.Expect(autoexec.Locator(".add")).ToContainTextAsync(["+ ntp_timeZoneOfs 2", "+ addEventHandler OnClick 10 publish clicked 1"]);
        await Assertions.Expect(autoexec.Locator(".del")).ToContainTextAsync(["- ntp_timeZoneOfs 1"]);
        await AssertNoHorizontalScrollAsync(page);
        await Browser.ScreenshotAsync(page, $"config-history-{(phone ? 390 : 1280)}");

        await page.Locator("tr[data-version='1']").GetByRole(AriaRole.Button, new() { Name = "Restore v1" }).ClickAsync();
        await Assertions.Expect(page.Locator("#message")).ToContainTextAsync("Version 1 restored");
        Assert.Equal("startDriver NTP\nntp_timeZoneOfs 1\n", Encoding.UTF8.GetString(plug.LfsFiles["autoexec.bat"]));
        Assert.Equal("Rel", OpenBekenHub.Provisioning.Pins.PinRoles.FindByNumber(plug.GetPin(26).Role)!.ShortName);
        await AssertNoHorizontalScrollAsync(page);
        await Browser.ScreenshotAsync(page, $"config-restored-{(phone ? 390 : 1280)}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Restoring_onto_a_replacement_from_the_page_shows_which_plug_replaced_which_on_both_device_pages(bool phone)
    {
        await using var h = await ConfigHarness.StartAsync();
        var (a, idA) = await h.AddPlugAsync("02:0b:00:00:0c:0a", "127.0.0.2");
        var registry = h.Hub.Service<OpenBekenHub.Mqtt.State.DeviceStateStore>();
        await registry.UpdateAsync(idA, "Hallway lamp with a rather long name", "Hall", CancellationToken.None);
        await h.BackupAsync(idA);
        var (_, idB) = await h.AddPlugAsync("02:0b:00:00:0c:0b", "127.0.0.3");
        await a.PowerOffAsync();
        await OpenBekenHub.TestKit.Eventually.TrueAsync(() => registry.Find(idA)?.Online == false, TimeSpan.FromSeconds(20), "the original plug is offline");

        var page = await _browser.NewPageAsync(h.Hub.BaseUrl, phone);
        await Browser.LoginAsync(page);
        await page.GotoAsync($"/configs/{idA}");
        await page.Locator("tr[data-version='1'] select[name='target']").SelectOptionAsync(idB);
        await page.Locator("tr[data-version='1']").GetByRole(AriaRole.Button, new() { Name = "Restore v1" }).ClickAsync();
        await Assertions.Expect(page.Locator("#message")).ToContainTextAsync("restored");

        await page.GotoAsync($"/devices/{idB}");
        await Assertions.Expect(page.Locator("#replaces")).ToContainTextAsync($"Replacement for Hallway lamp with a rather long name ({idA})");
        await Assertions.Expect(page.Locator("#replaces a")).ToHaveAttributeAsync("href", $"/devices/{idA}");
        await Assertions.Expect(page.Locator("#replaced-by")).ToHaveCountAsync(0);
        await AssertNoHorizontalScrollAsync(page);
        await Browser.ScreenshotAsync(page, $"device-replacement-{(phone ? 390 : 1280)}");

        await page.Locator("#replaces a").ClickAsync();
        await Assertions.Expect(page.Locator("#replaced-by")).ToContainTextAsync($"Replaced by Hallway lamp with a rather long name ({idB})");
        await Assertions.Expect(page.Locator("#replaced-by")).ToContainTextAsync("no longer announced to Home Assistant");
        await Assertions.Expect(page.Locator("#replaces")).ToHaveCountAsync(0);
        await AssertNoHorizontalScrollAsync(page);
        await Browser.ScreenshotAsync(page, $"device-replaced-{(phone ? 390 : 1280)}");
    }

    private static async Task AssertNoHorizontalScrollAsync(IPage page)
    {
        var sizes = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]");
        var (scroll, client) = (sizes[0], sizes[1]);
        Assert.True(scroll <= client, $"page is {scroll}px wide in a {client}px viewport");
    }
}
