using OpenBekenHub.Provisioning.Chips;
using OpenBekenHub.Provisioning.Config;
using OpenBekenHub.Provisioning.Identity;
using OpenBekenHub.Provisioning.Pins;
using OpenBekenHub.Provisioning.Profiles;
using OpenBekenHub.Provisioning.Templates;
using OpenBekenHub.Simulators.Firmware;

namespace OpenBekenHub.Provisioning.Tests.Profiles;

/// <summary>
/// What the hub writes is what the plug boots with: the config sector placed by the writer is read back by the plug
/// simulator's own parser (written separately from the documented layout).
/// </summary>
public sealed class WriterAgainstSimulatedFirmwareTests
{
    private static readonly ProvisioningProfile Profile = new()
    {
        WifiSsid = "HomeWiFi",
        WifiPassword = "secret123",
        MqttHost = "127.0.0.1",
        MqttPort = 18830,
        MqttUser = "hub",
        MqttPassword = "hub-pass",
        ClientTopicPattern = "obk_{mac6}",
        WebPassword = "admin-pw",
    };

    private static byte[] StockLikeFlash(ObkChip chip, MacAddress mac)
    {
        var flash = new byte[chip.FlashSize];
        flash.AsSpan().Fill(0xFF);
        RfMac.BuildMinimalSector(mac).CopyTo(flash, chip.RfOffset);
        return flash;
    }

    [Theory]
    [InlineData("BK7231N")]
    [InlineData("BK7231T")]
    public void A_provisioned_plug_boots_with_the_profile_the_names_and_the_template(string chipName)
    {
        var chip = ObkChips.Get(chipName);
        var mac = MacAddress.Parse("c8:47:1a:2b:3c:4d");
        var template = new PinTemplate { Pins = [new PinAssignment(26, 1, 1), new PinAssignment(10, 3, 1), new PinAssignment(8, 9, 0)], StartupCommand = "startDriver BL0942" };
        var flash = StockLikeFlash(chip, mac);
        var readMac = RfMac.ReadFromFlash(flash, chip);
        var config = ConfigBuilder.BuildConfig(Profile, chip, "Desk lamp", readMac, template);

        var written = ObkConfigWriter.PlaceInFlash(flash, chip, config);
        var plug = FirmwareBoot.FromFlash(written, chip.Name);

        Assert.Equal("c8:47:1a:2b:3c:4d", plug.Mac);
        Assert.Equal("obk_2b3c4d", plug.ClientTopic);
        Assert.Equal(("Desk_lamp", chip.LongNamePrefix + "_1A2B3C4D"), (plug.ShortName, plug.FriendlyName));
        Assert.Equal(("127.0.0.1", 18830, "hub", "hub-pass"), (plug.BrokerHost, plug.BrokerPort, plug.Username, plug.Password));
        Assert.Equal(("HomeWiFi", "admin-pw", chip.DefaultGroupTopic), (plug.Ssid, plug.WebPassword, plug.GroupTopic));
        Assert.Equal(ObkFlags.HubDefault, plug.Flags);
        Assert.Equal("startDriver BL0942", plug.StartupCommand);
        Assert.Equal(["Rel@26:1", "Btn@10:1", "WifiLED_n@8:0"], plug.Pins.OrderByDescending(p => p.Pin).Select(p => $"{p.Role}@{p.Pin}:{p.Channel}"));
    }

    [Fact]
    public async Task Every_template_of_the_device_list_boots_with_the_same_role_names()
    {
        var lib = await DeviceTemplateLibrary.LoadFileAsync(TestData.DeviceTemplatesPath);
        var chip = ObkChips.BK7231N;
        var flash = StockLikeFlash(chip, MacAddress.Parse("02:00:00:00:00:01"));
        var checkedCount = 0;
        foreach (var d in lib.Devices.Where(d => d.Pins.Count > 0))
        {
            var t = d.ToPinTemplate();
            var config = ConfigBuilder.BuildConfig(Profile, chip, null, null, t with { StartupCommand = "" });
            var plug = FirmwareBoot.FromFlash(ObkConfigWriter.PlaceInFlash(flash, chip, config), chip.Name);

            var expected = t.Pins.Where(p => p.Role != 0 || p.Channel != 0 || p.Channel2 != 0)
                .Select(p => (p.Pin, PinRoles.FindByNumber(p.Role)!.ShortName, p.Channel, p.Channel2)).OrderBy(p => p.Pin);
            Assert.Equal(expected, plug.Pins.Select(p => (p.Pin, p.Role, p.Channel, p.Channel2)).OrderBy(p => p.Pin));
            checkedCount++;
        }
        Assert.Equal(863 - 176, checkedCount);
    }
}
