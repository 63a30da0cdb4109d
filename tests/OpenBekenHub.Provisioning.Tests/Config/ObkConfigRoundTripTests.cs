using System.Net;
using OpenBekenHub.Provisioning.Config;
using OpenBekenHub.Provisioning.Identity;

namespace OpenBekenHub.Provisioning.Tests.Config;

public sealed class ObkConfigRoundTripTests
{
    private static ObkConfig EveryFieldSet() => DocumentedExampleBlockTests.DocumentedExample() with
    {
        Flags = 0x8000_0004_0820_0400UL,
        ChangeCounter = 7,
        OtaCounter = 2,
        WifiSsid2 = "Backup",
        WifiPassword2 = "backup-pass",
        StoredMac = MacAddress.Parse("c8:47:8c:1a:2b:3c"),
        ChannelTypes = new Dictionary<int, int> { [1] = 6, [63] = 67 },
        StartValues = new Dictionary<int, short> { [1] = -1, [2] = 1, [63] = 100 },
        Pins = [new PinAssignment(0, 4, 2, 3), new PinAssignment(31, 98, 255, 254)],
        LogToLfs = 1,
        DgrSendFlags = 3,
        DgrRecvFlags = 5,
        DgrName = "grp",
        CalibrationRaw = [1, 2, 3, 0x4060_0000, 5, 6, 7, 0xFFFF_FFFF],
        LfsSize = 0x10000,
        LoggerFlags = 9,
        StaticIp = new ObkStaticIp(IPAddress.Parse("192.168.1.50"), IPAddress.Parse("255.255.255.0"), IPAddress.Parse("192.168.1.1"), IPAddress.Parse("1.1.1.1")),
        LedRemap = [4, 3, 2, 1, 0],
        PingInterval = 10,
        PingSeconds = 60,
        WebPassword = "webpass",
        MqttUseTls = true,
        MqttVerifyTlsCert = true,
        MqttCertFile = "ca.pem",
        DisableWebServer = true,
    };

    [Fact]
    public void Writing_then_reading_gives_back_every_field()
    {
        var original = EveryFieldSet();
        var block = ObkConfigWriter.Build(original);
        var read = ObkConfigReader.Parse(block);

        Assert.Equal(original.Flags, read.Flags);
        Assert.Equal(original.WifiSsid2, read.WifiSsid2);
        Assert.Equal(original.WifiPassword2, read.WifiPassword2);
        Assert.Equal(original.StoredMac, read.StoredMac);
        Assert.Equal(original.Pins, read.Pins);
        Assert.Equal(original.ChannelTypes, read.ChannelTypes);
        Assert.Equal(original.StartValues, read.StartValues);
        Assert.Equal(original.CalibrationRaw, read.CalibrationRaw);
        Assert.Equal(original.StaticIp, read.StaticIp);
        Assert.Equal(original.LedRemap, read.LedRemap);
        Assert.Equal(original.LedCorrection, read.LedCorrection);
        Assert.Equal(original.InitCommandLine, read.InitCommandLine);
        Assert.Equal((original.MqttHost, original.MqttPort, original.MqttClientId, original.MqttUser, original.MqttPassword, original.MqttGroup),
            (read.MqttHost, read.MqttPort, read.MqttClientId, read.MqttUser, read.MqttPassword, read.MqttGroup));
        Assert.Equal((original.WebPassword, original.MqttUseTls, original.MqttVerifyTlsCert, original.MqttCertFile, original.DisableWebServer),
            (read.WebPassword, read.MqttUseTls, read.MqttVerifyTlsCert, read.MqttCertFile, read.DisableWebServer));
        Assert.Equal((original.ChangeCounter, original.OtaCounter, original.LogToLfs, original.DgrSendFlags, original.DgrRecvFlags, original.DgrName),
            (read.ChangeCounter, read.OtaCounter, read.LogToLfs, read.DgrSendFlags, read.DgrRecvFlags, read.DgrName));
        Assert.Equal((original.LfsSize, original.LoggerFlags, original.PingInterval, original.PingSeconds, original.PingHost),
            (read.LfsSize, read.LoggerFlags, read.PingInterval, read.PingSeconds, read.PingHost));
        Assert.Equal(block, ObkConfigWriter.Build(read));
    }

    [Fact]
    public void A_64_byte_wifi_password_fills_its_field_without_a_NUL_and_reads_back_whole()
    {
        var pass = new string('p', 64);
        var block = ObkConfigWriter.Build(new ObkConfig { WifiPassword = pass, WifiSsid = new string('s', 63) });

        Assert.Equal((byte)'p', block[ObkConfigLayout.WifiPass + 63]);
        Assert.Equal(pass, ObkConfigReader.Parse(block).WifiPassword);
    }

    [Theory]
    [InlineData(nameof(ObkConfig.WifiSsid), 64)]
    [InlineData(nameof(ObkConfig.WifiPassword), 65)]
    [InlineData(nameof(ObkConfig.MqttClientId), 64)]
    [InlineData(nameof(ObkConfig.ShortName), 32)]
    [InlineData(nameof(ObkConfig.WebPassword), 33)]
    public void A_value_too_long_for_its_field_is_refused_naming_the_field(string field, int length)
    {
        var v = new string('x', length);
        var config = field switch
        {
            nameof(ObkConfig.WifiSsid) => new ObkConfig { WifiSsid = v },
            nameof(ObkConfig.WifiPassword) => new ObkConfig { WifiPassword = v },
            nameof(ObkConfig.MqttClientId) => new ObkConfig { MqttClientId = v },
            nameof(ObkConfig.ShortName) => new ObkConfig { ShortName = v },
            _ => new ObkConfig { WebPassword = v },
        };

        var ex = Assert.Throws<Errors.ProvisioningException>(() => ObkConfigWriter.Build(config));
        Assert.Equal(Errors.ProvisioningErrorKind.InvalidField, ex.Kind);
        Assert.Contains(field, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pins_outside_0_to_31_and_duplicate_pins_are_refused()
    {
        Assert.Throws<Errors.ProvisioningException>(() => ObkConfigWriter.Build(new ObkConfig { Pins = [new PinAssignment(32, 1, 1)] }));
        Assert.Throws<Errors.ProvisioningException>(() => ObkConfigWriter.Build(new ObkConfig { Pins = [new PinAssignment(6, 1, 1), new PinAssignment(6, 3, 1)] }));
    }
}
