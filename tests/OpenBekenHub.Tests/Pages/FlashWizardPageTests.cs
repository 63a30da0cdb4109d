using Microsoft.Playwright;
using OpenBekenHub.Hosting;
using OpenBekenHub.Jobs;
using OpenBekenHub.Library;
using OpenBekenHub.Simulators.Bootloader;
using OpenBekenHub.Simulators.Images;
using OpenBekenHub.Store;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Pages;

public sealed class FlashWizardPageTests : IClassFixture<Browser>, IAsyncLifetime
{
    private readonly Browser _browser;
    private HubHost _hub = null!;
    private FlashStation _station = null!;

    public FlashWizardPageTests(Browser browser) => _browser = browser;

    public async Task InitializeAsync()
    {
        _hub = await HubHost.StartAsync();
        // the user is slow to touch CEN: the bootloader answers only after 1.5 s of link checks
        _station = await FlashStation.StartAsync(EmulatedChip.Bk7231N, o => o.LinkCheckDelay = TimeSpan.FromSeconds(1.5));
        _hub.Service<FlashStations>().AddSimulated(_station.Port, "Simulated BK7231N station");
        await _hub.Service<FirmwareLibrary>().AddAsync("OpenBK7231N_QIO_1.18.0.bin", SyntheticFirmware.Bk7231NQio());
        await _hub.Service<ProfileStore>().SaveAsync(null, new ProfileInput("Home", "HomeWifi", "wifi-pass-123", "127.0.0.1",
            _hub.Service<EmbeddedBrokerService>().Broker!.Port, null, null, "obk_{mac6}", "obks"));
    }

    public async Task DisposeAsync()
    {
        await _station.DisposeAsync();
        await _hub.DisposeAsync();
    }

    [Fact]
    public async Task Wizard_runs_a_full_flash_of_a_simulated_plug_to_success_and_a_second_tab_sees_it_live()
    {
        _station.BootPlugOnReboot();
        var page = await _browser.NewPageAsync(_hub.BaseUrl, phone: true);
        await Browser.LoginAsync(page);
        await page.GotoAsync("/flash");
        await Assertions.Expect(page.Locator("figure.wiring svg")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("3.3 V logic only")).ToBeVisibleAsync();
        await page.Locator("[name=deviceName]").FillAsync("Desk lamp");
        await page.Locator("#start").ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/flash/jobs/", StringComparison.Ordinal));

        // the link-check indicator shows while the chip has not answered yet
        await Assertions.Expect(page.Locator("#catch")).ToBeVisibleAsync();
        await Browser.ScreenshotAsync(page, "flash-catching");

        var second = await _browser.NewPageAsync(_hub.BaseUrl);
        await Browser.LoginAsync(second);
        await second.GotoAsync(page.Url);

        var done = new LocatorAssertionsToHaveAttributeOptions { Timeout = 120_000 };
        await Assertions.Expect(page.Locator("#job")).ToHaveAttributeAsync("data-state", "Succeeded", done);
        await Assertions.Expect(second.Locator("#job")).ToHaveAttributeAsync("data-state", "Succeeded", done);
        await Assertions.Expect(page.Locator("#success")).ToContainTextAsync("provisioned and adopted");
        Assert.Equal(8, await page.Locator("li[data-step][data-outcome=verified]").CountAsync());
        await Assertions.Expect(page.Locator("#log")).ToContainTextAsync("Write the firmware");
        await Browser.ScreenshotAsync(page, "flash-success");

        // the backup is downloadable from the job page
        var href = await page.Locator("#backup-href").GetAttributeAsync("href");
        using var client = _hub.Client();
        var anonymous = await client.GetAsync(href);
        Assert.NotEqual(System.Net.HttpStatusCode.OK, anonymous.StatusCode);
        var download = await second.APIRequest.GetAsync(href!);
        Assert.Equal(2 * 1024 * 1024, (await download.BodyAsync()).Length);
    }

    [Fact]
    public async Task A_firmware_for_the_other_chip_is_refused_before_anything_is_erased()
    {
        var stock = _station.Pty.Emulator.Flash.Snapshot();
        await _hub.Service<FirmwareLibrary>().AddAsync("OpenBK7231T_UA_1.18.0.bin", SyntheticFirmware.Ua(600_000));
        var page = await _browser.NewPageAsync(_hub.BaseUrl);
        await Browser.LoginAsync(page);
        await page.GotoAsync("/flash");
        await page.Locator("[name=firmwareId]").SelectOptionAsync(new SelectOptionValue { Label = (await page.Locator("[name=firmwareId] option", new() { HasText = "BK7231T_UA" }).TextContentAsync())!.Trim() });
        await page.Locator("#start").ClickAsync();
        var failed = new LocatorAssertionsToHaveAttributeOptions { Timeout = 60_000 };
        await Assertions.Expect(page.Locator("#job")).ToHaveAttributeAsync("data-state", "Failed", failed);
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("BK7231T");
        await Assertions.Expect(page.Locator("li[data-step=validate]")).ToHaveAttributeAsync("data-outcome", "failed");
        await Assertions.Expect(page.Locator("li[data-step=write-firmware]")).ToHaveAttributeAsync("data-outcome", "pending");
        await Browser.ScreenshotAsync(page, "flash-wrong-chip");
        Assert.Equal(stock, _station.Pty.Emulator.Flash.Snapshot());
    }
}
