using OpenBekenHub.Jobs;

namespace OpenBekenHub.Tests.Jobs;

/// <summary>Issue 10: a tab that starts watching while the job ends must get the end, never stay on "Running".</summary>
public sealed class FlashJobWatchTests
{
    [Fact]
    public async Task Every_watcher_that_races_the_end_of_a_job_gets_the_final_state_and_its_feed_ends()
    {
        for (var round = 0; round < 200; round++)
        {
            var job = new FlashJob("j" + round, new FlashJobRequest { Port = "/dev/pts/x", FirmwareId = "f" });
            using var start = new Barrier(5);
            var watchers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                start.SignalAndWait();
                JobView? last = null;
                await foreach (var view in job.Watch(CancellationToken.None).ReadAllAsync())
                {
                    last = view;
                }
                return last;
            })).ToList();
            var finisher = Task.Run(() =>
            {
                start.SignalAndWait();
                job.AddLog("info", "last line before the end");
                job.Finish(JobState.Succeeded);
            });
            await finisher;
            var lasts = await Task.WhenAll(watchers).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.All(lasts, v => Assert.Equal(JobState.Succeeded, v!.State));
        }
    }
}
