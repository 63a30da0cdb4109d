using Microsoft.Playwright;
using OpenBekenHub.Simulators.Images;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Pages;

public sealed class FirmwarePageTests : IClassFixture<Browser>, IAsyncLifetime
{
    private readonly Browser _browser;
    private HubHost _hub = null!;

    public FirmwarePageTests(Browser browser) => _browser = browser;

    public async Task InitializeAsync() => _hub = await HubHost.StartAsync();

    public async Task DisposeAsync() => await _hub.DisposeAsync();

    [Fact]
    public async Task Good_ua_image_is_kept_with_its_fit_and_bad_uploads_are_refused_with_the_reason()
    {
        var page = await _browser.NewPageAsync(_hub.BaseUrl);
        await Browser.LoginAsync(page);
        await page.GotoAsync("/firmware");

        await UploadAsync(page, "OpenBK7231T_UA_1.18.0.bin", SyntheticFirmware.Ua(700_000));
        await Assertions.Expect(page.Locator("#message")).ToContainTextAsync("added: UaApp");
        var row = page.Locator("tr[data-firmware='OpenBK7231T_UA_1.18.0.bin']");
        await Assertions.Expect(row.Locator(".badge.on")).ToHaveTextAsync("for BK7231T");

        var random = new byte[600_000];
        new Random(7).NextBytes(random);
        await UploadAsync(page, "mystery.bin", random);
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("Not a BK7231 image");

        // a UA image bigger than the BK7231T app partition (0x121000): the forum thread's "too big for the layout"
        await UploadAsync(page, "OpenBK7231T_UA_big.bin", SyntheticFirmware.Ua(0x121000 + 34 * 100));
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("too big");
        await Browser.ScreenshotAsync(page, "firmware-refused");

        Assert.Equal(1, await page.Locator("tr[data-firmware]").CountAsync());
        Assert.Single(Directory.GetFiles(Path.Combine(_hub.DataDirectory, "firmware"), "*.bin"));

        await row.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Assertions.Expect(page.Locator("#message")).ToContainTextAsync("deleted");
        Assert.Empty(Directory.GetFiles(Path.Combine(_hub.DataDirectory, "firmware"), "*.bin"));
    }

    private static async Task UploadAsync(IPage page, string name, byte[] data)
    {
        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = name, MimeType = "application/octet-stream", Buffer = data });
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload and check" }).ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.Load);
    }
}
