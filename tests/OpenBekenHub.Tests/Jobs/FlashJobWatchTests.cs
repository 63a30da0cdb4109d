using OpenBekenHub.Jobs;

namespace OpenBekenHub.Tests.Jobs;

/// <summary>Issue 10: a tab that starts watching while the job ends must get the end, never stay on "Running".</summary>
public sealed class FlashJobWatchTests
{
    [Fact]
    public async Task Every_watcher_that_races_the_end_of_a_busy_job_gets_the_final_state_and_its_feed_ends()
    {
        var stuck = 0;
        for (var round = 0; round < 1000; round++)
        {
            var job = new FlashJob("j" + round, new FlashJobRequest { Port = "/dev/pts/x", FirmwareId = "f" });
            for (var i = 0; i < 300; i++)
            {
                job.AddLog("info", "line " + i); // a long log makes each view snapshot take a while, as in a real job
            }
            using var start = new Barrier(4);
            var finished = false;
            // progress keeps arriving until the very end (a late byte counter, a log line)
            var busy = Task.Run(() =>
            {
                start.SignalAndWait();
                while (!Volatile.Read(ref finished))
                {
                    job.AddLog("info", "progress");
                }
            });
            var watchers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
            {
                start.SignalAndWait();
                JobView? last = null;
                await foreach (var view in job.Watch(CancellationToken.None).ReadAllAsync())
                {
                    last = view;
                }
                return last;
            })).ToList();
            await Task.Run(() =>
            {
                start.SignalAndWait();
                job.Finish(JobState.Succeeded);
                Volatile.Write(ref finished, true);
            });
            await busy;
            var lasts = await Task.WhenAll(watchers.Select(async w =>
            {
                try
                {
                    return await w.WaitAsync(TimeSpan.FromSeconds(5));
                }
                catch (TimeoutException)
                {
                    return null; // the feed never ended
                }
            }));
            stuck += lasts.Count(v => v?.State != JobState.Succeeded);
        }
        Assert.Equal(0, stuck);
    }
}
