using Microsoft.Playwright;
using OpenBekenHub.Simulators.Images;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Ota;

/// <summary>The rollouts page and the firmware library with .rbl files, in real Chromium at phone width.</summary>
public sealed class RolloutsPageTests(Browser browser) : IClassFixture<Browser>
{
    private static async Task AssertNoHorizontalScrollAsync(IPage page) =>
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"),
            $"{page.Url} scrolls sideways at {await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth")} px");

    [Fact]
    public async Task Upload_an_rbl_preview_who_gets_it_and_why_not_start_and_watch_it_finish_at_390_px()
    {
        await using var bench = await OtaBench.StartAsync(3, i => i < 2 ? "BK7231N" : "BK7231T");
        var page = await browser.NewPageAsync(bench.Hub.BaseUrl, phone: true);
        await Browser.LoginAsync(page);

        await page.GotoAsync("/firmware");
        var rbl = SyntheticRbl.Build("BK7231N", "1.18.231", 40_000);
        await UploadAsync(page, "OpenBK7231N_1.18.231.rbl", rbl);
        await Assertions.Expect(page.Locator("#message")).ToContainTextAsync("OTA package OpenBeken 1.18.231, for BK7231N");
        var row = page.Locator("tr[data-firmware='OpenBK7231N_1.18.231.rbl']");
        await Assertions.Expect(row.Locator(".badge.on")).ToHaveTextAsync("for BK7231N");
        await Assertions.Expect(row).ToContainTextAsync("BK7231T: built for BK7231N (build literal)");
        await UploadAsync(page, "again.rbl", rbl);
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("already in the library");
        await page.Locator("#duplicate-link").ClickAsync();
        Assert.EndsWith("#fw-" + await row.GetAttributeAsync("id").ContinueWith(t => t.Result![3..]), page.Url, StringComparison.Ordinal);
        await AssertNoHorizontalScrollAsync(page);
        await Browser.ScreenshotAsync(page, "firmware-rbl-phone");

        await page.GetByRole(AriaRole.Link, new() { Name = "Rollouts", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        await Assertions.Expect(page.Locator("#preview")).ToContainTextAsync("2 plug(s) in 2 wave(s), 1 skipped");
        var t = bench.Fleet[2];
        await Assertions.Expect(page.Locator($"tr[data-preview='{bench.IdOf(t)}']")).ToContainTextAsync("skipped: it is a BK7231T");
        await AssertNoHorizontalScrollAsync(page);
        await Browser.ScreenshotAsync(page, "rollout-preview-phone");

        await page.GetByRole(AriaRole.Button, new() { Name = "Start rollout" }).ClickAsync();
        await Assertions.Expect(page.Locator("#state")).ToHaveTextAsync("completed", new() { Timeout = 90_000 });
        foreach (var plug in bench.Fleet.Plugs.Take(2))
        {
            await Assertions.Expect(page.Locator($"tr[data-plug='{bench.IdOf(plug)}'] [data-result]")).ToHaveTextAsync("ok");
            Assert.Equal("1.18.231", plug.FirmwareVersion);
        }
        Assert.Equal(0, t.OtaCounter);
        await AssertNoHorizontalScrollAsync(page);
        await Browser.ScreenshotAsync(page, "rollout-done-phone");
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("tr[data-rollout]")).ToContainTextAsync("2 ok");
        await Assertions.Expect(page.Locator("tr[data-rollout]")).ToContainTextAsync("1 skipped");
    }

    private static async Task UploadAsync(IPage page, string name, byte[] data)
    {
        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = name, MimeType = "application/octet-stream", Buffer = data });
        var reloaded = page.WaitForResponseAsync(r => r.Request.Method == "GET" && r.Url.EndsWith("/firmware", StringComparison.Ordinal));
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload and check" }).ClickAsync();
        await reloaded;
        await page.WaitForLoadStateAsync(LoadState.Load);
    }
}
