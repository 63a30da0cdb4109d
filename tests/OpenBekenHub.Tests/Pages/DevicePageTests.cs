using OpenBekenHub.Tests.Broker;
using OpenBekenHub.Mqtt.State;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using OpenBekenHub.Hosting;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Simulators.Plugs;
using OpenBekenHub.TestKit;
using OpenBekenHub.Tests.History;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Pages;

/// <summary>
/// The device page in Chromium against a real hub and simulated plugs that serve the firmware's web API
/// (<c>/api/pins</c>, <c>/lograw</c>) on their own loopback addresses: relay, readings, pin table, log, chart.
/// </summary>
public sealed class DevicePageTests : IClassFixture<Browser>, IAsyncLifetime
{
    private readonly Browser _browser;
    private readonly ShiftedClock _clock = new();
    private HubHost _hub = null!;
    private PlugFleet _fleet = null!;

    public DevicePageTests(Browser browser) => _browser = browser;

    /// <summary>Plug 0 meters a 100 W lamp; plug 1 is a plain relay plug.</summary>
    private SimulatedPlug Meter => _fleet[0];

    private SimulatedPlug Plain => _fleet[1];

    public async Task InitializeAsync()
    {
        var httpPort = FreePort.Next();
        _hub = await HubHost.StartAsync(null, s => s.AddSingleton<TimeProvider>(_clock), $"--Bridge:DeviceHttpPort={httpPort}");
        var next = 0;
        var subnet = Random.Shared.Next(2, 250);
        _fleet = await PlugFleet.StartAsync("127.0.0.1", _hub.Service<EmbeddedBrokerService>().Broker!.Port, 2, new PlugFleetOptions
        {
            PowerMeterEvery = 2,
            BroadcastItemsPerSecond = 50,
            ReconnectDelay = TimeSpan.FromSeconds(1),
            Customize = s => _hub.WithOwnAccounts()(s with { Ip = $"127.{subnet}.0.{Interlocked.Increment(ref next)}", HttpPort = httpPort, RestartDelay = TimeSpan.FromMilliseconds(300) }),
        });
        Meter.Meter!.Load = new MeterLoad(100, Swing: 0.2);
        Meter.Meter.RelayClosed = () => Meter.IsRelayOn();
        Meter.Execute("POWER ON");
        await _fleet.WaitAllConnectedAsync(TimeSpan.FromSeconds(20));
        var registry = _hub.Service<DeviceStateStore>();
        await Eventually.TrueAsync(() => registry.List().Count(d => d.Online && d.Record.Channels.Count > 0 && d.Record.Ip is not null) == 2,
            TimeSpan.FromSeconds(20), "both plugs adopted with their relay and IP");
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        await _hub.DisposeAsync();
    }

    private string IdOf(SimulatedPlug plug) => _hub.Service<DeviceStateStore>().FindByTopic(plug.ClientTopic)!.Id;

    private async Task<IPage> OpenAsync(SimulatedPlug plug, bool phone)
    {
        var page = await _browser.NewPageAsync(_hub.BaseUrl, phone);
        var path = $"/devices/{IdOf(plug)}";
        // straight to the device page: on this busy machine the dashboard's load event after the shared login helper sometimes took over 30 s
        await page.GotoAsync("/login?ReturnUrl=" + Uri.EscapeDataString(path));
        await page.GetByLabel("User name").FillAsync("admin");
        await page.GetByLabel("Password").FillAsync(HubHost.AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        // polls the address: waiting for a load state after the redirect missed its event under load (30 s timeouts in CI)
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(System.Text.RegularExpressions.Regex.Escape(path) + "$"));
        await Assertions.Expect(page.Locator("#controls[data-live='open']")).ToHaveCountAsync(1);
        return page;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_big_button_switches_the_plug_and_the_page_follows_the_plugs_own_button_live(bool phone)
    {
        var page = await OpenAsync(Meter, phone);
        var button = page.Locator("#controls button.relay-big[data-channel='1']");
        await Assertions.Expect(button).ToHaveAttributeAsync("aria-pressed", "true");

        await button.ClickAsync();
        await Eventually.TrueAsync(() => !Meter.IsRelayOn(), TimeSpan.FromSeconds(10), "the plug's relay opened");
        await Assertions.Expect(button).ToHaveAttributeAsync("aria-pressed", "false");

        Meter.PressButton(); // the plug's own button: the page follows without a reload
        await Assertions.Expect(button).ToHaveAttributeAsync("aria-pressed", "true");
        await Assertions.Expect(button).ToContainTextAsync("ON");

        // readings with units and precision; RSSI once
        await Assertions.Expect(page.Locator("dd[data-quantity='power']")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+\.\d W$"));
        await Assertions.Expect(page.Locator("dd[data-quantity='voltage']")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^2\d\d\.\d V$"));
        await Assertions.Expect(page.Locator("dd[data-quantity='current']")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d\.\d{3} A$"));
        await Assertions.Expect(page.Locator("dd[data-quantity='uptime']")).ToContainTextAsync("min");
        await Assertions.Expect(page.GetByText("RSSI", new() { Exact = true })).ToHaveCountAsync(1);
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= innerWidth"), "no horizontal scroll");
        await Browser.ScreenshotAsync(page, phone ? "device-page-phone" : "device-page-desktop");
    }

    [Fact]
    public async Task A_pin_table_edit_changes_the_plugs_pins_and_the_new_relay_works_from_the_page()
    {
        var page = await OpenAsync(Plain, phone: true);
        await Assertions.Expect(page.Locator("#pins-status")).ToContainTextAsync("pins now");
        await Assertions.Expect(page.Locator("#pin-table tbody tr")).ToHaveCountAsync(SimulatedPlug.PinCount);
        await Assertions.Expect(page.Locator("select[name='role-26']")).ToHaveValueAsync("Rel");

        await page.Locator("select[name='role-7']").SelectOptionAsync("Rel");
        await page.Locator("input[name='channel-7']").FillAsync("2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply pins" }).ClickAsync();

        await Assertions.Expect(page.Locator("#pin-result")).ToContainTextAsync("The plug reports the new pins");
        Assert.Contains(new PinAssignment(7, "Rel", 2), Plain.Pins);
        await Eventually.TrueAsync(() => Plain.RelayChannels.Contains(2) && Plain.IsConnected, TimeSpan.FromSeconds(15), "the plug restarted with a relay on channel 2");
        var record = _hub.Service<DeviceStateStore>().Find(IdOf(Plain))!.Record;
        Assert.Contains(new ChannelInfo(2, ChannelRole.Relay), record.Channels);

        var second = page.Locator("#controls button.relay-big[data-channel='2']");
        await Assertions.Expect(second).ToHaveCountAsync(1);
        await second.ClickAsync();
        await Eventually.TrueAsync(() => Plain.GetChannel(2) == 1, TimeSpan.FromSeconds(10), "relay 2 switched on the plug");
        await Assertions.Expect(second).ToHaveAttributeAsync("aria-pressed", "true");

        // the plug's log (HTTP /lograw) shows the commands it ran
        await page.Locator("#log-details summary").ClickAsync();
        await Assertions.Expect(page.Locator("#log-lines")).ToContainTextAsync("SETPINROLE 7 Rel");
        await Browser.ScreenshotAsync(page, "device-pins-phone");
    }

    [Fact]
    public async Task The_history_chart_shows_stored_minutes_and_grows_live()
    {
        var registry = _hub.Service<DeviceStateStore>();
        var id = IdOf(Meter);
        await Eventually.TrueAsync(() => registry.Find(id)!.Readings.GetValueOrDefault("power") > 50, TimeSpan.FromSeconds(20), "the meter reports the lamp");
        var page = await OpenAsync(Meter, phone: false);
        var chart = page.Locator("#history-chart");

        _clock.Advance(TimeSpan.FromSeconds(61)); // the minute ends: the recorder stores it
        using var client = await _hub.LoggedInClientAsync();
        await Eventually.TrueAsync(async () => (await client.GetStringAsync($"/api/devices/{id}/history?quantity=power")).Contains("],[", StringComparison.Ordinal)
            || (await _hub.Service<OpenBekenHub.Store.HistoryStore>().ReadAsync(id, OpenBekenHub.Store.HistoryTable.Minute, 0, long.MaxValue)).Count > 0,
            TimeSpan.FromSeconds(10), "a stored minute");

        await page.Locator("button[data-range='day']").ClickAsync();
        await page.Locator("button[data-range='hour']").ClickAsync();
        await Eventually.TrueAsync(async () => int.Parse(await chart.GetAttributeAsync("data-points") ?? "0", System.Globalization.CultureInfo.InvariantCulture) >= 1,
            TimeSpan.FromSeconds(10), "the chart draws the stored minute");
        await Assertions.Expect(page.Locator("#history-chart svg path.line")).ToHaveCountAsync(1);
        var before = int.Parse(await chart.GetAttributeAsync("data-points") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        await Eventually.TrueAsync(async () => int.Parse(await chart.GetAttributeAsync("data-points") ?? "0", System.Globalization.CultureInfo.InvariantCulture) > before,
            TimeSpan.FromSeconds(30), "a live reading is added without a reload");
        await Assertions.Expect(page.Locator("#history-status")).ToContainTextAsync("W");
        await Browser.ScreenshotAsync(page, "device-history-desktop");
    }
}
