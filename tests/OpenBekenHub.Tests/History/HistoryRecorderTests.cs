using Microsoft.Extensions.Logging.Abstractions;
using OpenBekenHub.History;
using OpenBekenHub.Store;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Tests.History;

/// <summary>The recorder and store on a real SQLite file: time-weighted minutes, roll-up into hours, pruning, queries.</summary>
public sealed class HistoryRecorderTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
    private readonly TempDir _dir = new("history");
    private readonly ManualClock _clock = new(T0);
    private HubStore _hub = null!;
    private HistoryStore _store = null!;
    private HistoryRecorder _recorder = null!;

    public async Task InitializeAsync()
    {
        _hub = new HubStore(_dir.File("hub.db"));
        await _hub.MigrateAsync();
        _store = new HistoryStore(_hub);
        _recorder = new HistoryRecorder(_store, _clock, NullLogger<HistoryRecorder>.Instance);
    }

    public Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
        return Task.CompletedTask;
    }

    private Task<IReadOnlyList<HistoryRow>> Minutes(string id = "plug1") =>
        _store.ReadAsync(id, HistoryTable.Minute, 0, long.MaxValue);

    [Fact]
    public async Task A_minute_is_the_time_weighted_mean_power_and_is_written_only_once_it_has_ended()
    {
        _recorder.Observe("plug1", T0, 100, 1.000);
        _recorder.Observe("plug1", T0.AddSeconds(45), 300, 1.002); // 100 W for 45 s, 300 W for 15 s → 150 W

        _clock.Now = T0.AddSeconds(59);
        Assert.Equal(0, await _recorder.FlushAsync());
        Assert.Empty(await Minutes());

        _clock.Now = T0.AddSeconds(60);
        Assert.Equal(1, await _recorder.FlushAsync());
        var row = Assert.Single(await Minutes());
        Assert.Equal(T0.ToUnixTimeSeconds(), row.T);
        Assert.Equal(150, row.Watts!.Value, 1);
        Assert.Equal(1.002, row.Kwh!.Value, 4);
    }

    [Fact]
    public async Task A_plug_that_goes_quiet_is_carried_for_90_seconds_and_then_leaves_a_gap()
    {
        _recorder.Observe("plug1", T0, 40, null);
        _clock.Now = T0.AddMinutes(10);
        await _recorder.FlushAsync();

        var rows = await Minutes();
        Assert.Equal([T0.ToUnixTimeSeconds(), T0.AddMinutes(1).ToUnixTimeSeconds()], rows.Select(r => r.T));
        Assert.All(rows, r => Assert.Equal(40, r.Watts!.Value, 1));

        _recorder.Observe("plug1", T0.AddMinutes(10).AddSeconds(5), 80, null);
        _clock.Now = T0.AddMinutes(11);
        await _recorder.FlushAsync();
        Assert.Equal(80, (await Minutes()).Single(r => r.T == T0.AddMinutes(10).ToUnixTimeSeconds()).Watts!.Value, 1);
    }

    [Fact]
    public async Task Readings_a_plug_meter_cannot_produce_are_ignored()
    {
        _recorder.Observe("plug1", T0, double.NaN, null);
        _recorder.Observe("plug1", T0.AddSeconds(1), -5, null);
        _recorder.Observe("plug1", T0.AddSeconds(2), 1e9, double.PositiveInfinity);
        _clock.Now = T0.AddMinutes(5);
        Assert.Equal(0, await _recorder.FlushAsync());
    }

    [Fact]
    public async Task Minutes_roll_up_into_hours_minutes_go_after_7_days_and_hours_after_a_year()
    {
        var kwh = 0.0;
        for (var m = 0; m < 120; m++)
        {
            kwh += 0.001;
            _recorder.Observe("plug1", T0.AddMinutes(m), m < 60 ? 100 : 200, kwh);
        }
        _clock.Now = T0.AddHours(2);
        await _recorder.FlushAsync();

        var hours = await _store.ReadAsync("plug1", HistoryTable.Hour, 0, long.MaxValue);
        Assert.Equal(2, hours.Count);
        Assert.Equal(100, hours[0].Watts!.Value, 1);
        Assert.Equal(200, hours[1].Watts!.Value, 1);
        Assert.Equal(0.120, hours[1].Kwh!.Value, 4);
        Assert.Equal(120, (await Minutes()).Count);

        await _store.PruneAsync(T0.AddDays(8));
        Assert.Empty(await Minutes());
        Assert.Equal(2, (await _store.ReadAsync("plug1", HistoryTable.Hour, 0, long.MaxValue)).Count);

        await _store.PruneAsync(T0.AddDays(367));
        Assert.Empty(await _store.ReadAsync("plug1", HistoryTable.Hour, 0, long.MaxValue));
    }

    [Theory]
    [InlineData(3600, 60)]
    [InlineData(86400, 300)]
    [InlineData(7 * 86400, 900)]
    [InlineData(30 * 86400, 3600)]
    [InlineData(365 * 86400, 86400)]
    public void The_resolution_follows_the_range(int rangeSeconds, int expected) =>
        Assert.Equal(expected, HistoryQuery.ChooseResolution(TimeSpan.FromSeconds(rangeSeconds)));

    [Fact]
    public async Task Energy_per_day_sums_the_counter_rises_and_a_reset_on_reboot_counts_as_zero()
    {
        // day 1: 0.5 → 1.5 kWh; then the plug reboots and its counter restarts at 0.1; day 2: 0.1 → 0.4
        double[] counters = [0.5, 1.0, 1.5, 0.1, 0.4];
        DateTimeOffset[] times = [T0, T0.AddHours(6), T0.AddHours(12), T0.AddHours(26), T0.AddHours(30)];
        var samples = counters.Zip(times, (k, t) => new MinuteSample("plug1", t.ToUnixTimeSeconds(), 10, k)).ToList();
        await _store.WriteMinutesAsync(samples);
        _clock.Now = T0.AddDays(3);
        var query = new HistoryQuery(_store, _recorder, _clock);

        var perDay = await query.GetAsync("plug1", "energy", T0.AddHours(-10), T0.AddDays(2).AddHours(-10), 86400, default);

        Assert.Equal("kWh", perDay.Unit);
        Assert.Equal(86400, perDay.Resolution);
        Assert.Equal([1.0, 0.3], perDay.Points.Select(p => p.V));
    }

    [Fact]
    public async Task The_minute_in_progress_is_the_live_end_of_a_power_chart()
    {
        _recorder.Observe("plug1", T0.AddSeconds(10), 60, null);
        _clock.Now = T0.AddSeconds(40);
        await _recorder.FlushAsync();
        var query = new HistoryQuery(_store, _recorder, _clock);

        var series = await query.GetAsync("plug1", "power", T0.AddHours(-1), T0.AddMinutes(1), null, default);

        var point = Assert.Single(series.Points);
        Assert.Equal((T0.ToUnixTimeSeconds(), 60.0), point);
    }
}
