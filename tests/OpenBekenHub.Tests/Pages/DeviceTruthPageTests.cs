using OpenBekenHub.Tests.Broker;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using OpenBekenHub.Hosting;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.State;
using OpenBekenHub.Simulators.Plugs;
using OpenBekenHub.TestKit;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Pages;

/// <summary>REST and the pages tell the same truth: a plug's HTTP refusal is an error, a lost broker means unknown.</summary>
public sealed class DeviceTruthPageTests : IClassFixture<Browser>, IAsyncLifetime
{
    private readonly Browser _browser;
    private readonly int _plugHttpPort = FreePort.Next();
    private HubHost _hub = null!;
    private PlugFleet _fleet = null!;

    public DeviceTruthPageTests(Browser browser) => _browser = browser;

    public async Task InitializeAsync()
    {
        // the plug's web server wants a password the hub does not have: every /cm call gets HTTP 401
        _hub = await HubHost.StartAsync($"--Bridge:DeviceHttpPort={_plugHttpPort}", "--Bridge:DeviceWebPassword=not-the-plugs", "--Bridge:AvailabilityWindow=00:00:03");
        _fleet = await PlugFleet.StartAsync("127.0.0.1", _hub.Service<EmbeddedBrokerService>().Broker!.Port, 1,
            new PlugFleetOptions { BroadcastItemsPerSecond = 50, Customize = s => _hub.WithOwnAccounts()(s with { HttpPort = _plugHttpPort, Ip = "127.0.0.1", WebPassword = "plugs-own-pw" }) });
        await Eventually.TrueAsync(() => _hub.Service<DeviceStateStore>().List() is [{ Online: true, Record.Ip: not null }], TimeSpan.FromSeconds(20), "the plug adopted with its IP");
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        await _hub.DisposeAsync();
    }

    private string DeviceId => _hub.Service<DeviceStateStore>().List()[0].Id;

    [Fact]
    public async Task A_401_from_the_plugs_web_server_is_an_error_in_REST_and_on_the_device_page()
    {
        using var client = await _hub.LoggedInClientAsync();
        client.DefaultRequestHeaders.Add("X-CSRF-TOKEN", await HubHost.AntiforgeryTokenAsync(client, "/"));

        var response = await client.PostAsJsonAsync($"/api/devices/{DeviceId}/command", new { command = "Flags" });

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("deviceerror", body.GetProperty("status").GetString());
        Assert.Contains("401", body.GetProperty("error").GetString(), StringComparison.Ordinal);

        var page = await _browser.NewPageAsync(_hub.BaseUrl, phone: true);
        await Browser.LoginAsync(page);
        await page.GotoAsync($"/devices/{DeviceId}");
        await page.Locator("[name=command]").FillAsync("Flags");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("401");
        await Assertions.Expect(page.Locator("#console-reply")).ToContainTextAsync("error (502)");
        await Browser.ScreenshotAsync(page, "device-401");
    }

    [Fact]
    public async Task With_the_broker_down_the_api_and_the_dashboard_say_so_and_availability_is_unknown()
    {
        using var client = await _hub.LoggedInClientAsync();
        var page = await _browser.NewPageAsync(_hub.BaseUrl, phone: true);
        await Browser.LoginAsync(page);
        await page.GotoAsync("/");
        await Assertions.Expect(page.Locator("body[data-live='open']")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#broker-down")).ToBeHiddenAsync();

        await _hub.Service<EmbeddedBrokerService>().Broker!.StopAsync();

        await Eventually.TrueAsync(async () => !(await client.GetFromJsonAsync<JsonElement>("/api/bridge")).GetProperty("brokerConnected").GetBoolean(),
            because: "the API says the broker is down");
        var devices = await client.GetFromJsonAsync<JsonElement>("/api/devices");
        Assert.All(devices.EnumerateArray(), d => Assert.Equal("unknown", d.GetProperty("availability").GetString()));
        Assert.Equal(Availability.Unknown, _hub.Service<DeviceStateStore>().List()[0].Availability);
        // the open page follows the live feed (the feed is the hub's, not the broker's)
        await Assertions.Expect(page.Locator("#broker-down")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator($"tr[data-device='{DeviceId}'] .state")).ToHaveTextAsync("unknown");
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#broker-down")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#broker-state")).ToHaveTextAsync("broker disconnected");
        await Browser.ScreenshotAsync(page, "dashboard-broker-down");
    }
}
