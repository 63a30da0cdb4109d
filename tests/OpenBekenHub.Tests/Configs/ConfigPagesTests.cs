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

    private static async Task AssertNoHorizontalScrollAsync(IPage page)
    {
        var sizes = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]");
        var (scroll, client) = (sizes[0], sizes[1]);
        Assert.True(scroll <= client, $"page is {scroll}px wide in a {client}px viewport");
    }
}
