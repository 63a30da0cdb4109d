using System.Text.Json;
using OpenBekenHub.Jobs;
using OpenBekenHub.Provisioning.Pins;
using OpenBekenHub.Simulators.Bootloader;
using OpenBekenHub.Simulators.Images;
using OpenBekenHub.Store;
using OpenBekenHub.TestKit;
using OpenBekenHub.Tests.Jobs;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Cli;

/// <summary>
/// Issue 12: "the CLI flash and the web job are one implementation". The same stock plug (same MAC, same flash) on
/// two stations, the same firmware, Wi-Fi/MQTT settings, name and pins — once through <c>obkhub flash</c>, once through
/// a web job — must go through the same steps and leave the same bytes in the plug's flash.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class SharedPipelineTests
{
    [Fact]
    public async Task The_cli_and_the_web_job_run_the_same_steps_and_leave_the_same_bytes_in_the_plug()
    {
        using var dir = new TempDir("shared-pipeline");
        var firmware = dir.File("OpenBK7231N_QIO_1.18.0.bin");
        await File.WriteAllBytesAsync(firmware, SyntheticFirmware.Bk7231NQio());
        await using var cliStation = await FlashStation.StartAsync(EmulatedChip.Bk7231N);
        var stock = cliStation.Pty.Emulator.Flash.Snapshot();

        // the CLI runs before the hub starts, so the hub's console log cannot mix into the captured JSON
        var (code, stdout, stderr) = await CliRunner.RunAsync(
            "flash", "--port", cliStation.Port, "--firmware", firmware, "--ssid", "HomeWifi", "--wifi-password", "wifi-pass-123",
            "--mqtt-host", "127.0.0.1", "--mqtt-port", "1883", "--name", "Desk", "--pins", "26=Rel:1,10=Btn:1",
            "--backup-dir", dir.File("backups"), "--no-wait", "--json");
        Assert.True(code == 0, $"exit {code}: {stderr}");
        var cliResult = JsonDocument.Parse(stdout).RootElement.GetProperty("result");
        var cliSteps = cliResult.GetProperty("steps").EnumerateArray()
            .Select(s => (s.GetProperty("step").GetString(), s.GetProperty("outcome").GetString())).ToList();
        Assert.Equal(File.ReadAllBytes(cliResult.GetProperty("backup").GetString()!), stock);

        // the hub's broker without accounts: with them the job writes the plug's own login instead of the profile's
        // (issued by the broker, tested in FlashedPlugAccountTests), and only that field would differ from the CLI's bytes
        await using var rig = await JobRig.StartAsync(null, null, "--Mqtt:Embedded:Accounts=false");
        var twin = await rig.Hub.Service<ProfileStore>().SaveAsync(null, new ProfileInput(
            "CLI twin", "HomeWifi", "wifi-pass-123", "127.0.0.1", 1883, null, null, "obk_{mac6}", null));
        var job = await rig.Hub.Service<FlashJobRunner>().StartAsync(new FlashJobRequest
        {
            Port = rig.Station.Port, FirmwareId = rig.FirmwareId, ProfileId = twin, DeviceName = "Desk", CatchSeconds = 20, WaitForDevice = false,
            Pins = new Dictionary<string, PinChoice> { ["26"] = new("Rel", 1), ["10"] = new("Btn", 1) },
        });
        var state = await job.Completion.Task.WaitAsync(TimeSpan.FromMinutes(3));
        Assert.True(state == JobState.Succeeded, job.View().Error);
        var jobSteps = job.View().Steps.Select(s => ((string?)s.Step, (string?)s.Outcome)).ToList();

        Assert.Equal(JobSteps.All.Select(s => (string?)s), cliSteps.Select(s => s.Item1));
        Assert.Equal(jobSteps, cliSteps);
        var cliFlash = cliStation.Pty.Emulator.Flash.Snapshot();
        Assert.NotEqual(stock, cliFlash);
        Assert.True(cliFlash.AsSpan().SequenceEqual(rig.Station.Pty.Emulator.Flash.Snapshot()), "the CLI and the job wrote different bytes");
    }

    [Fact]
    public async Task Without_pins_both_the_cli_and_the_web_job_stop_at_the_pins_step_before_anything_is_erased()
    {
        using var dir = new TempDir("shared-pipeline-nopins");
        var firmware = dir.File("OpenBK7231N_QIO_1.18.0.bin");
        await File.WriteAllBytesAsync(firmware, SyntheticFirmware.Bk7231NQio());
        await using var cliStation = await FlashStation.StartAsync(EmulatedChip.Bk7231N);
        var stock = cliStation.Pty.Emulator.Flash.Snapshot();

        var (code, stdout, stderr) = await CliRunner.RunAsync(
            "flash", "--port", cliStation.Port, "--firmware", firmware, "--ssid", "HomeWifi", "--wifi-password", "wifi-pass-123",
            "--mqtt-host", "127.0.0.1", "--backup-dir", dir.File("backups"));
        Assert.Equal(PinsNeededException.Code, code);
        var line = Assert.Single(stderr.Trim().Split('\n'), l => l.StartsWith("obkhub:", StringComparison.Ordinal));
        Assert.Contains("--pins", line, StringComparison.Ordinal);
        Assert.DoesNotContain("done", stdout + stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(stock, cliStation.Pty.Emulator.Flash.Snapshot());

        await using var rig = await JobRig.StartAsync();
        var job = await rig.Hub.Service<FlashJobRunner>().StartAsync(new FlashJobRequest
        {
            Port = rig.Station.Port, FirmwareId = rig.FirmwareId, ProfileId = rig.ProfileId, CatchSeconds = 20,
        });
        Assert.Equal(JobState.NeedsPins, await job.Completion.Task.WaitAsync(TimeSpan.FromMinutes(2)));
        Assert.Equal("needs-input", job.View().Steps.Single(s => s.Step == JobSteps.Pins).Outcome);
        Assert.Equal(stock, rig.Station.Pty.Emulator.Flash.Snapshot());
    }
}
