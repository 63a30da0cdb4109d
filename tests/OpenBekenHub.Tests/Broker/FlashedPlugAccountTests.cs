using OpenBekenHub.Mqtt.State;
using OpenBekenHub.Hosting;
using OpenBekenHub.Jobs;
using OpenBekenHub.Library;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.Security;
using OpenBekenHub.Simulators.Images;
using OpenBekenHub.Store;
using OpenBekenHub.TestKit;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Broker;

public sealed class FlashedPlugAccountTests
{
    [Fact]
    public async Task A_flashed_plug_boots_from_the_written_flash_and_connects_with_its_own_account()
    {
        await using var hub = await HubHost.StartAsync();
        var brokerPort = hub.Service<EmbeddedBrokerService>().Broker!.Port;
        await using var station = await FlashStation.StartAsync();
        var firmware = await hub.Service<FirmwareLibrary>().AddAsync("OpenBK7231N_QIO_1.18.0.bin", SyntheticFirmware.Bk7231NQio());
        // the profile carries OpenBeken's factory login: the job replaces it with the plug's own account
        var profile = await hub.Service<ProfileStore>().SaveAsync(null, new ProfileInput(
            "Home", "HomeWifi", "wifi-pass-123", "127.0.0.1", brokerPort, "homeassistant", "qqqqqqqqqq", "obk_{mac6}", "obks"));
        station.BootPlugOnReboot();
        hub.Service<FlashStations>().AddSimulated(station.Port, "Simulated station");
        var job = await hub.Service<FlashJobRunner>().StartAsync(new FlashJobRequest
        {
            Port = station.Port, FirmwareId = firmware.Entry!.Id, ProfileId = profile, DeviceName = "Desk plug", CatchSeconds = 20, AdoptSeconds = 60,
            Pins = new Dictionary<string, OpenBekenHub.Provisioning.Pins.PinChoice> { ["26"] = new("Rel", 1) },
        });
        var state = await job.Completion.Task.WaitAsync(TimeSpan.FromMinutes(4));
        Assert.True(state == JobState.Succeeded, $"job {state}: {job.View().Error}");

        var plug = station.BootedPlug!;
        Assert.Equal(plug.ClientTopic, plug.MqttUsername);
        var account = hub.Service<BrokerAccounts>().Find(plug.ClientTopic)!;
        Assert.Equal(("flash", AccountKind.Plug), (account.Source, account.Kind));
        Assert.NotNull(account.Confirmed);
        Assert.Equal(plug.FriendlyName, account.DeviceName); // its own discovery ids are allowed
        Assert.True(plug.IsConnected);
        Assert.NotNull(hub.Service<DeviceStateStore>().FindByTopic(plug.ClientTopic));
        // the password exists only in the plug's flash: not in the accounts file, nor in the job's facts
        var file = await File.ReadAllTextAsync(Path.Combine(hub.DataDirectory, BrokerAccounts.FileName));
        Assert.DoesNotContain("qqqqqqqqqq", file, StringComparison.Ordinal);
        Assert.Null(hub.Service<BrokerAccounts>().Verify(plug.ClientTopic, "qqqqqqqqqq"));
        Assert.DoesNotContain(job.View().Facts.Values, v => v.Contains(account.PasswordHash!, StringComparison.Ordinal));
    }
}
