using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using OpenBekenHub.Store;
using OpenBekenHub.TestKit;
using Xunit.Abstractions;

namespace OpenBekenHub.Tests.Configs;

public sealed class ConfigScheduleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_schedule_backs_up_every_online_plug_and_records_the_run()
    {
        await using var h = await ConfigHarness.StartAsync(null, null,
            "--Configs:ScheduleEnabled=true", "--Configs:FirstRunDelay=00:00:10", "--Configs:Interval=00:01:00");
        var (_, id) = await h.AddPlugAsync("02:0b:00:00:5c:01", "127.0.0.2");

        // the first run comes 10 s after start; if the plug was not adopted yet, the next one a minute later
        await Eventually.TrueAsync(async () =>
                JsonNode.Parse(await h.Api.GetStringAsync($"/api/configs/{id}/versions"))!.AsArray()
                    .Any(v => v!["source"]!.GetValue<string>() == "scheduled"),
            TimeSpan.FromSeconds(90), "a scheduled version of the plug");
        // the run is recorded once all of its plugs are done, a moment after this plug's version is stored
        await Eventually.TrueAsync(async () => await h.Hub.Service<ConfigStore>().LastRunAsync("scheduled") is not null,
            TimeSpan.FromSeconds(30), "the scheduled run recorded");
        var run = await h.Hub.Service<ConfigStore>().LastRunAsync("scheduled");
        Assert.NotNull(run);
        Assert.Equal(0, run.Failed);
    }

    [Fact]
    public async Task Twenty_plugs_are_backed_up_in_one_run_each_with_its_own_version()
    {
        await using var h = await ConfigHarness.StartAsync();
        var ids = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var (_, id) = await h.AddPlugAsync(string.Create(CultureInfo.InvariantCulture, $"02:0b:00:00:20:{i:x2}"), $"127.0.1.{i + 1}");
            ids.Add(id);
        }

        var clock = Stopwatch.StartNew();
        var results = await h.BackupAsync();
        var first = clock.Elapsed;
        clock.Restart();
        var again = await h.BackupAsync();
        var second = clock.Elapsed;

        Assert.Equal(ids.Order(), results.Select(r => r!["deviceId"]!.GetValue<string>()).Order());
        Assert.All(results, r => Assert.Equal("created", r!["outcome"]!.GetValue<string>()));
        Assert.All(again, r => Assert.Equal("unchanged", r!["outcome"]!.GetValue<string>()));
        output.WriteLine($"20 plugs: first backup {first.TotalMilliseconds:0} ms, unchanged re-check {second.TotalMilliseconds:0} ms");
    }
}
