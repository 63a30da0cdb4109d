using Microsoft.Playwright;
using OpenBekenHub.Store;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Pages;

public sealed class SettingsPageTests : IClassFixture<Browser>, IAsyncLifetime
{
    private readonly Browser _browser;
    private HubHost _hub = null!;

    public SettingsPageTests(Browser browser) => _browser = browser;

    public async Task InitializeAsync() => _hub = await HubHost.StartAsync();

    public async Task DisposeAsync() => await _hub.DisposeAsync();

    [Fact]
    public async Task Login_then_settings_round_trip_keeps_passwords_write_only()
    {
        var page = await _browser.NewPageAsync(_hub.BaseUrl, phone: true);
        await Browser.LoginAsync(page);
        await page.GotoAsync("/settings");

        await page.Locator("#profile-form [name='input.Name']").FillAsync("Home");
        await page.Locator("#profile-form [name='input.WifiSsid']").FillAsync("MyWifi");
        await page.Locator("#profile-form [name='input.WifiPassword']").FillAsync("wifi-secret-123");
        await page.Locator("#profile-form [name='input.MqttHost']").FillAsync("192.0.2.10");
        await page.Locator("#profile-form [name='input.MqttPassword']").FillAsync("mqtt-secret-456");
        await page.Locator("#profile-form button[type=submit]").ClickAsync();
        await Assertions.Expect(page.Locator("#message")).ToContainTextAsync("Profile 'Home' saved");

        var html = await page.ContentAsync();
        Assert.DoesNotContain("wifi-secret-123", html, StringComparison.Ordinal);
        Assert.DoesNotContain("mqtt-secret-456", html, StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("tr[data-profile='Home']")).ToContainTextAsync("password ••••");

        // editing without retyping the password keeps it
        await page.Locator("tr[data-profile='Home'] a", new() { HasText = "Edit" }).ClickAsync();
        await page.Locator("#profile-form [name='input.WifiSsid']").FillAsync("OtherWifi");
        await page.Locator("#profile-form button[type=submit]").ClickAsync();
        await Assertions.Expect(page.Locator("tr[data-profile='Home']")).ToContainTextAsync("OtherWifi");
        var stored = (await _hub.Service<ProfileStore>().ListAsync()).Single();
        var secrets = await _hub.Service<ProfileStore>().GetSecretsAsync(stored.Id);
        Assert.Equal("wifi-secret-123", secrets!.WifiPassword);
        Assert.Equal("mqtt-secret-456", secrets.MqttPassword);

        // the store holds them encrypted, not in clear
        var dbText = System.Text.Encoding.UTF8.GetString(await ReadAllSharedAsync(Path.Combine(_hub.DataDirectory, "obkhub.db"), Path.Combine(_hub.DataDirectory, "obkhub.db-wal")));
        Assert.DoesNotContain("wifi-secret-123", dbText, StringComparison.Ordinal);

        // discovery prefix round trip through settings.json
        await page.Locator("#broker [name=discoveryPrefix]").FillAsync("ha-test");
        await page.Locator("#broker button[type=submit]").ClickAsync();
        await Assertions.Expect(page.Locator("#message")).ToContainTextAsync("Broker settings saved");
        await Assertions.Expect(page.Locator("#broker [name=discoveryPrefix]")).ToHaveValueAsync("homeassistant"); // applies at restart
        Assert.Contains("ha-test", await File.ReadAllTextAsync(Path.Combine(_hub.DataDirectory, "settings.json")), StringComparison.Ordinal);

        // API token shown once, then usable by scripts
        await page.Locator("#tokens [name=name]").FillAsync("ci script");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();
        var token = (await page.Locator("#new-token code").TextContentAsync())!;
        using var client = _hub.Client();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/api/devices")).StatusCode);
        await Browser.ScreenshotAsync(page, "settings-round-trip");
        await page.ReloadAsync();
        Assert.Equal(0, await page.Locator("#new-token").CountAsync());
    }

    [Fact]
    public async Task Admin_password_change_needs_the_current_password()
    {
        var page = await _browser.NewPageAsync(_hub.BaseUrl);
        await Browser.LoginAsync(page);
        await page.GotoAsync("/settings");
        await page.Locator("#password [name=current]").FillAsync("not the password");
        await page.Locator("#password [name=next]").FillAsync("a-new-long-password");
        await page.Locator("#password [name=confirm]").FillAsync("a-new-long-password");
        await page.Locator("#password button").ClickAsync();
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("current password is wrong");

        await page.Locator("#password [name=current]").FillAsync(HubHost.AdminPassword);
        await page.Locator("#password [name=next]").FillAsync("a-new-long-password");
        await page.Locator("#password [name=confirm]").FillAsync("a-new-long-password");
        await page.Locator("#password button").ClickAsync();
        await Assertions.Expect(page.Locator("#message")).ToContainTextAsync("Password changed");
        Assert.NotNull(await _hub.Service<UserStore>().VerifyAsync("admin", "a-new-long-password"));
        await Browser.ScreenshotAsync(page, "settings-password");
    }

    private static async Task<byte[]> ReadAllSharedAsync(params string[] paths)
    {
        var all = new List<byte>();
        foreach (var path in paths.Where(File.Exists))
        {
            await using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var ms = new MemoryStream();
            await fs.CopyToAsync(ms);
            all.AddRange(ms.ToArray());
        }
        return [.. all];
    }
}
