using System.Text.Json;
using Microsoft.Playwright;
using OpenBekenHub.Hosting;
using OpenBekenHub.Jobs;
using OpenBekenHub.Library;
using OpenBekenHub.Simulators.Bootloader;
using OpenBekenHub.Simulators.Images;
using OpenBekenHub.Store;
using OpenBekenHub.TestKit;
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
    public async Task A_flash_with_no_template_stops_at_choose_pins_the_pins_are_chosen_on_the_phone_and_the_plug_is_adopted_with_its_relay()
    {
        _station.BootPlugOnReboot();
        var page = await _browser.NewPageAsync(_hub.BaseUrl, phone: true);
        await Browser.LoginAsync(page);
        await page.GotoAsync("/flash");
        await Assertions.Expect(page.Locator("figure.wiring svg")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("3.3 V logic only")).ToBeVisibleAsync();
        await AssertNoHorizontalScrollAsync(page, "the wizard at 390 px");
        await Browser.ScreenshotAsync(page, "flash-wizard-phone");
        await page.Locator("[name=deviceName]").FillAsync("Desk lamp");
        await page.Locator("#start").ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/flash/jobs/", StringComparison.Ordinal));

        // the link-check indicator shows while the chip has not answered yet
        await Assertions.Expect(page.Locator("#catch")).ToBeVisibleAsync();
        await Browser.ScreenshotAsync(page, "flash-catching");

        var desktop = await _browser.NewPageAsync(_hub.BaseUrl);
        await desktop.SetViewportSizeAsync(1280, 800);
        await Browser.LoginAsync(desktop);
        await desktop.GotoAsync(page.Url);

        // no template, no Tuya pins in the stock flash: the job stops and asks, in both tabs, before anything is erased
        var stock = _station.Pty.Emulator.Flash.Snapshot();
        var paused = new LocatorAssertionsToHaveAttributeOptions { Timeout = 90_000 };
        await Assertions.Expect(page.Locator("#job")).ToHaveAttributeAsync("data-state", "NeedsPins", paused);
        await Assertions.Expect(desktop.Locator("#job")).ToHaveAttributeAsync("data-state", "NeedsPins", paused);
        await Assertions.Expect(page.Locator("#choose-pins")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("li[data-step=pins]")).ToHaveAttributeAsync("data-outcome", "needs-input");
        await Assertions.Expect(page.Locator("li[data-step=write-firmware]")).ToHaveAttributeAsync("data-outcome", "pending");
        Assert.Equal(stock, _station.Pty.Emulator.Flash.Snapshot());
        await Browser.ScreenshotAsync(desktop, "flash-choose-pins-desktop");

        // the user fills the table on the phone: relay on P26, channel 1; the page says what the plug will be
        var editor = page.Locator("#choose-pins");
        await editor.GetByRole(AriaRole.Button, new() { Name = "Add a pin" }).ClickAsync();
        await editor.Locator("tbody tr").Last.Locator("input[aria-label=Pin]").FillAsync("26");
        await Assertions.Expect(editor.Locator(".pins-summary")).ToContainTextAsync("Rel channel 1 (P26)");
        await AssertNoHorizontalScrollAsync(page, "the job page with the pin table at 390 px");
        await Browser.ScreenshotAsync(page, "flash-choose-pins-phone");
        await page.Locator("#continue-pins").ClickAsync();

        // the job continues live in both tabs (the desktop tab without a reload) and ends with the plug adopted
        var done = new LocatorAssertionsToHaveAttributeOptions { Timeout = 150_000 };
        await Assertions.Expect(page.Locator("#job")).ToHaveAttributeAsync("data-state", "Succeeded", done);
        await Assertions.Expect(desktop.Locator("#job")).ToHaveAttributeAsync("data-state", "Succeeded", done);
        await Assertions.Expect(page.Locator("#success")).ToContainTextAsync("provisioned and adopted");
        Assert.Equal(JobSteps.All.Count, await page.Locator("li[data-step][data-outcome=verified]").CountAsync());
        await Assertions.Expect(page.Locator("#log")).ToContainTextAsync("Write the firmware");
        await AssertNoHorizontalScrollAsync(page, "the finished job page at 390 px");
        await Browser.ScreenshotAsync(page, "flash-success-phone");
        await Browser.ScreenshotAsync(desktop, "flash-success-desktop");

        // the plug booted with that pin and the hub has its relay channel
        Assert.Equal([1], _station.BootedPlug!.Settings.RelayChannels);
        var jobId = page.Url.Split('/')[^1];
        var deviceId = _hub.Service<FlashJobRunner>().Find(jobId)!.Facts["deviceId"];
        var device = JsonDocument.Parse(await (await desktop.APIRequest.GetAsync($"/api/devices/{deviceId}")).TextAsync()).RootElement;
        Assert.Contains(device.GetProperty("channels").EnumerateArray(), c => c.GetProperty("channel").GetInt32() == 1);

        // the backup is downloadable from the job page, not without a login
        var href = await page.Locator("#backup-href").GetAttributeAsync("href");
        using var client = _hub.Client();
        var anonymous = await client.GetAsync(href);
        Assert.NotEqual(System.Net.HttpStatusCode.OK, anonymous.StatusCode);
        var download = await desktop.APIRequest.GetAsync(href!);
        Assert.Equal(2 * 1024 * 1024, (await download.BodyAsync()).Length);
    }

    [Fact]
    public async Task A_template_found_in_the_wizard_fills_the_pin_table_before_Start_and_the_job_runs_through_without_asking()
    {
        var catalog = _hub.Service<TemplateCatalog>();
        await catalog.ImportAsync(await File.ReadAllTextAsync(SharedData.DeviceTemplates));
        var library = await catalog.GetAsync();
        var template = library.Devices.First(d => d.Chip.Equals("BK7231N", StringComparison.OrdinalIgnoreCase)
            && d.Pins.Values.Count(v => v.StartsWith("Rel;", StringComparison.Ordinal)) == 1 && library.FindByName(d.DisplayName) is not null
            && library.Search(d.DisplayName, limit: 8).Any(x => x.DisplayName == d.DisplayName));
        var relayPin = template.Pins.Single(p => p.Value.StartsWith("Rel;", StringComparison.Ordinal)).Key;
        _station.BootPlugOnReboot();

        foreach (var phone in new[] { true, false })
        {
            var look = await _browser.NewPageAsync(_hub.BaseUrl, phone);
            await Browser.LoginAsync(look);
            await look.GotoAsync("/flash");
            await look.GetByLabel("A device template or my own pin table").CheckAsync();
            await Assertions.Expect(look.Locator("#wizard-pins table.pins")).ToBeVisibleAsync();
            await AssertNoHorizontalScrollAsync(look, $"the wizard with its pin table ({(phone ? "390" : "1280")} px)");
            await look.Context.CloseAsync();
        }

        var page = await _browser.NewPageAsync(_hub.BaseUrl);
        await page.SetViewportSizeAsync(1280, 800);
        await Browser.LoginAsync(page);
        await page.GotoAsync("/flash");
        await page.GetByLabel("A device template or my own pin table").CheckAsync();
        await page.Locator("#wizard-pins .tpl-search").FillAsync(template.DisplayName);
        var hit = page.Locator("#wizard-pins .tpl-hits button", new() { HasText = template.DisplayName + " — " }).First;
        await hit.ClickAsync();
        await Assertions.Expect(page.Locator("#wizard-pins tbody tr").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#wizard-pins .pins-summary")).ToContainTextAsync($"(P{relayPin})");
        await Browser.ScreenshotAsync(page, "flash-wizard-template-desktop");
        await page.Locator("#start").ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/flash/jobs/", StringComparison.Ordinal));

        var done = new LocatorAssertionsToHaveAttributeOptions { Timeout = 150_000 };
        await Assertions.Expect(page.Locator("#job")).ToHaveAttributeAsync("data-state", "Succeeded", done);
        await Assertions.Expect(page.Locator("li[data-step=pins] .detail")).ToContainTextAsync($"from {template.DisplayName}: ");
        Assert.Contains(_station.BootedPlug!.Settings.Pins, p => p.Pin.ToString(System.Globalization.CultureInfo.InvariantCulture) == relayPin && p.Role == "Rel");
    }

    private static async Task AssertNoHorizontalScrollAsync(IPage page, string what)
    {
        var sizes = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        var (scroll, inner) = (sizes[0], sizes[1]);
        Assert.True(scroll <= inner, $"{what}: {scroll} px wide in a {inner} px viewport");
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
