using OpenBekenHub.Jobs;
using OpenBekenHub.Library;
using OpenBekenHub.Simulators.Bootloader;
using OpenBekenHub.Simulators.Images;
using OpenBekenHub.Store;
using OpenBekenHub.TestKit;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Jobs;

public sealed class ResumeAfterRestartTests
{
    [Fact]
    public async Task Job_killed_by_a_hub_restart_between_write_and_verify_resumes_and_ends_verified_with_the_original_backup_kept()
    {
        using var data = new TempDir("hub-restart");
        // realistic flash timings make the verify step long enough to stop the hub in the middle of it
        await using var station = await FlashStation.StartAsync(EmulatedChip.Bk7231N, o => o.RealisticTimings = true);
        var image = SyntheticFirmware.Bk7231NQio();
        string jobId;
        string backupName;

        await using (var first = await HubHost.StartAsync(data))
        {
            var firmware = await first.Service<FirmwareLibrary>().AddAsync("OpenBK7231N_QIO_1.18.0.bin", image);
            var profile = await first.Service<ProfileStore>().SaveAsync(null, new ProfileInput("Home", "HomeWifi", "wifi-pass-123", "127.0.0.1", 1883, null, null, "obk_{mac6}", null));
            first.Service<FlashStations>().AddSimulated(station.Port, "Simulated station");
            var job = await first.Service<FlashJobRunner>().StartAsync(new FlashJobRequest
            {
                Port = station.Port, FirmwareId = firmware.Entry!.Id, ProfileId = profile, WaitForDevice = false, CatchSeconds = 20,
                Pins = new Dictionary<string, Provisioning.Pins.PinChoice> { ["26"] = new("Rel", 1) },
            });
            jobId = job.Id;
            await Eventually.TrueAsync(() => job.View().Steps.Single(s => s.Step == JobSteps.Verify).Outcome == "running",
                TimeSpan.FromMinutes(3), "the job reached the verify step");
            backupName = job.Facts["backup"];
        } // the hub stops here, mid-verify

        await using var second = await HubHost.StartAsync(data);
        var stored = await second.Service<JobStore>().GetAsync(jobId);
        Assert.Equal(JobState.Interrupted, stored!.State);
        Assert.Equal("verified", stored.Steps.Single(s => s.Step == JobSteps.WriteConfig).Outcome);
        Assert.NotEqual("verified", stored.Steps.SingleOrDefault(s => s.Step == JobSteps.Verify)?.Outcome);

        var resumed = await second.Service<FlashJobRunner>().ResumeAsync(jobId);
        var state = await resumed.Completion.Task.WaitAsync(TimeSpan.FromMinutes(3));
        var view = resumed.View();
        Assert.True(state == JobState.Succeeded, $"{state}: {view.Error}\n{string.Join("\n", view.Log.Select(l => l.Text))}");
        Assert.Contains(view.Log, l => l.Text.Contains("Write the firmware: already verified, kept", StringComparison.Ordinal));
        Assert.Equal(backupName, view.Facts["backup"]);
        // the kept backup is found from the step's typed result, which survived the restart in the store
        Assert.Equal(backupName, Path.GetFileName(stored.Steps.Single(s => s.Step == JobSteps.Backup).Result!.BackupPath));
        Assert.Single(Directory.GetFiles(Path.Combine(data.Path, "backups"), "*.bin"));
        Assert.Equal(image, station.Pty.Emulator.Flash.Snapshot()[..image.Length]);
    }
}
