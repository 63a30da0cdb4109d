using OpenBekenHub.Demo;
using OpenBekenHub.Jobs;
using OpenBekenHub.Library;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Store;
using OpenBekenHub.TestKit;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Foundation;

public sealed class DemoModeTests
{
    [Fact]
    public async Task Demo_mode_shows_simulated_plugs_and_a_station_whose_flashed_plug_joins_the_hub()
    {
        await using var hub = await HubHost.StartAsync("--Hub:Demo=true");
        var registry = hub.Service<OpenBekenHub.Mqtt.State.DeviceStateStore>();
        await Eventually.TrueAsync(() => registry.List().Count(d => d.Online) == DemoMode.PlugCount, TimeSpan.FromSeconds(30), "demo plugs adopted");
        await Eventually.TrueAsync(() => hub.Service<FlashStations>().List().Any(p => p.Simulated), TimeSpan.FromSeconds(10), "demo station ready");

        var port = hub.Service<FlashStations>().List().First(p => p.Simulated).Path;
        var firmwareId = (await hub.Service<FirmwareLibrary>().ListAsync()).Single().Id;
        var profileId = (await hub.Service<ProfileStore>().ListAsync()).Single().Id;
        var job = await hub.Service<FlashJobRunner>().StartAsync(new FlashJobRequest
        {
            Port = port, FirmwareId = firmwareId, ProfileId = profileId, DeviceName = "Demo plug", AdoptSeconds = 60,
            // the demo's stock plug has no Tuya config: without pins the job would stop and ask (NeedsPins)
            Pins = new Dictionary<string, Provisioning.Pins.PinChoice> { ["26"] = new("Rel", 1) },
        });
        var state = await job.Completion.Task.WaitAsync(TimeSpan.FromMinutes(3));
        Assert.True(state == JobState.Succeeded, job.View().Error);
        Assert.Equal(DemoMode.PlugCount + 1, registry.List().Count(d => d.Online));
        Assert.Contains(registry.List(), d => d.Record.FriendlyName == "Demo plug");
    }
}
