using OpenBekenHub.Mqtt.State;
using Microsoft.Playwright;
using OpenBekenHub.Jobs;
using OpenBekenHub.Library;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Simulators.Images;
using OpenBekenHub.TestKit;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Pages;

/// <summary>Every page of a demo hub at 390×844 (a phone) and 1280×800: nothing wider than the screen. Screenshots saved.</summary>
public sealed class PhoneWidthTests : IClassFixture<Browser>
{
    private readonly Browser _browser;

    public PhoneWidthTests(Browser browser) => _browser = browser;

    [Theory]
    [InlineData(390, 844)]
    [InlineData(1280, 800)]
    public async Task No_page_is_wider_than_the_viewport(int width, int height)
    {
        await using var hub = await HubHost.StartAsync("--Hub:Demo=true");
        var registry = hub.Service<DeviceStateStore>();
        await Eventually.TrueAsync(() => registry.List().Count(d => d.Online && d.Record.HasPowerMeter && d.Record.Ip is not null) >= 2,
            TimeSpan.FromSeconds(30), "demo plugs adopted");
        await Eventually.TrueAsync(() => hub.Service<FlashStations>().List().Any(p => p.Simulated), TimeSpan.FromSeconds(15), "demo station ready");
        await hub.Service<FirmwareLibrary>().AddAsync("OpenBK7231N_QIO_1.18.230_a_rather_long_release_file_name.bin", SyntheticFirmware.Bk7231NQio());
        await hub.Service<TemplateCatalog>().ImportAsync(TemplateList.Json(30));
        var meter = registry.List().First(d => d.Record.HasPowerMeter).Id;

        var context = await _browser.Instance.NewContextAsync(new()
        {
            BaseURL = hub.BaseUrl,
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        var page = await context.NewPageAsync();
        var failures = new List<string>();
        async Task CheckAsync(string name)
        {
            var (scroll, inner) = (await page.EvaluateAsync<int>("document.documentElement.scrollWidth"), await page.EvaluateAsync<int>("innerWidth"));
            await Browser.ScreenshotAsync(page, $"width-{width}-{name}");
            if (scroll > inner)
            {
                failures.Add($"{name}: {scroll} px wide in a {inner} px viewport");
            }
        }

        await page.GotoAsync("/login");
        await CheckAsync("login");
        await Browser.LoginAsync(page);
        foreach (var (name, path, ready) in new[]
        {
            ("dashboard", "/", "#devices"),
            ("device", $"/devices/{meter}", "#pin-table tbody tr"),
            ("flash", "/flash", "main"),
            ("firmware", "/firmware", "main"),
            ("templates", "/templates", "#templates"),
            ("templates-page-2", "/templates?p=2", "#templates"),
            ("backups", "/backups", "main"),
            ("settings", "/settings", "main"),
        })
        {
            await page.GotoAsync(path);
            await page.Locator(ready).First.WaitForAsync();
            await CheckAsync(name);
        }
        await context.CloseAsync();
        Assert.True(failures.Count == 0, string.Join("; ", failures));
    }
}

/// <summary>A small device list in the web app's format: "Acme Plug NN", pins 26 = relay, 10 = button (24/6 for every seventh).</summary>
internal static class TemplateList
{
    public static string Json(int count)
    {
        var devices = Enumerable.Range(1, count).Select(i => new Dictionary<string, object>
        {
            ["vendor"] = "Acme",
            ["name"] = $"Plug {i:00}",
            ["model"] = $"AC-{i:00}",
            ["chip"] = i % 2 == 0 ? "BK7231N" : "BK7231T",
            ["board"] = "CB2S",
            ["pins"] = i % 7 == 0
                ? new Dictionary<string, string> { ["24"] = "Rel;1", ["6"] = "Btn;1" }
                : new Dictionary<string, string> { ["26"] = "Rel;1", ["10"] = "Btn;1", ["8"] = "WifiLED_n;0" },
            ["image"] = "https://example.invalid/p.jpg",
            ["wiki"] = "https://example.invalid/wiki",
        });
        return System.Text.Json.JsonSerializer.Serialize(new { version = 0.1, devices });
    }
}
