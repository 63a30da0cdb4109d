using OpenBekenHub.Tests.Broker;
using OpenBekenHub.Mqtt.State;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenBekenHub.Hosting;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Simulators.Plugs;
using OpenBekenHub.TestKit;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.History;

/// <summary>GET /api/devices/{id}/history and history.csv on a real hub fed by a simulated metering plug over MQTT.</summary>
public sealed class HistoryApiTests : IAsyncLifetime
{
    private readonly ShiftedClock _clock = new();
    private HubHost _hub = null!;
    private PlugFleet _fleet = null!;
    private string _id = "";

    public async Task InitializeAsync()
    {
        _hub = await HubHost.StartAsync(null, s => s.AddSingleton<TimeProvider>(_clock));
        _fleet = await PlugFleet.StartAsync("127.0.0.1", _hub.Service<EmbeddedBrokerService>().Broker!.Port, 1,
            new PlugFleetOptions { PowerMeterEvery = 1, BroadcastItemsPerSecond = 50, Customize = _hub.WithOwnAccounts() });
        var plug = _fleet[0];
        plug.Meter!.Load = new MeterLoad(250, Swing: 0);
        plug.Meter.RelayClosed = () => plug.IsRelayOn();
        plug.Execute("POWER ON");
        var registry = _hub.Service<DeviceStateStore>();
        await Eventually.TrueAsync(() => registry.FindByTopic(plug.ClientTopic) is { } d && d.Readings.GetValueOrDefault("power") > 200,
            TimeSpan.FromSeconds(30), "the plug's 250 W load reported");
        _id = registry.FindByTopic(plug.ClientTopic)!.Id;
    }

    public async Task DisposeAsync()
    {
        await _fleet.DisposeAsync();
        await _hub.DisposeAsync();
    }

    [Fact]
    public async Task A_finished_minute_is_served_as_json_points_and_as_csv()
    {
        using var client = await _hub.LoggedInClientAsync();
        _clock.Advance(TimeSpan.FromSeconds(61));
        JsonElement root = default;
        await Eventually.TrueAsync(async () =>
        {
            var from = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O"));
            using var doc = JsonDocument.Parse(await client.GetStringAsync($"/api/devices/{_id}/history?quantity=power&from={from}"));
            root = doc.RootElement.Clone();
            return root.GetProperty("points").GetArrayLength() >= 1;
        }, TimeSpan.FromSeconds(15), "a stored minute in the history");

        Assert.Equal("W", root.GetProperty("unit").GetString());
        Assert.Equal(60, root.GetProperty("resolution").GetInt32());
        var point = root.GetProperty("points")[0];
        Assert.Equal(0, point[0].GetInt64() % 60);
        Assert.InRange(point[1].GetDouble(), 200, 300);

        var csv = await client.GetAsync($"/api/devices/{_id}/history.csv?quantity=power");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("time,unix,power_W", lines[0]);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:00Z,\d+,\d+(\.\d)?$", lines[1]);

        var energy = await client.GetStringAsync($"/api/devices/{_id}/history?quantity=energy&step=day&from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(-30).ToString("O"))}");
        using var e = JsonDocument.Parse(energy);
        Assert.Equal("kWh", e.RootElement.GetProperty("unit").GetString());
        Assert.Equal(86400, e.RootElement.GetProperty("resolution").GetInt32());
    }

    [Theory]
    [InlineData("quantity=voltage", HttpStatusCode.BadRequest)]
    [InlineData("from=yesterday", HttpStatusCode.BadRequest)]
    [InlineData("from=2026-12-05T10:00:00Z&to=2026-12-04T10:00:00Z", HttpStatusCode.BadRequest)]
    [InlineData("from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", HttpStatusCode.BadRequest)]
    [InlineData("step=week", HttpStatusCode.BadRequest)]
    public async Task Bad_queries_are_refused_with_a_reason(string query, HttpStatusCode expected)
    {
        using var client = await _hub.LoggedInClientAsync();
        var response = await client.GetAsync($"/api/devices/{_id}/history?{query}");
        Assert.Equal(expected, response.StatusCode);
        Assert.Contains("detail", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_devices_are_404_and_the_history_needs_a_login()
    {
        using var client = await _hub.LoggedInClientAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/devices/nope/history")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/devices/nope/history.csv")).StatusCode);
        using var anonymous = _hub.Client();
        Assert.NotEqual(HttpStatusCode.OK, (await anonymous.GetAsync($"/api/devices/{_id}/history")).StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, (await anonymous.GetAsync($"/api/devices/{_id}/history.csv")).StatusCode);
    }
}
