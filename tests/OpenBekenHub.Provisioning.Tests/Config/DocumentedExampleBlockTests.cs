using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using OpenBekenHub.Provisioning.Config;

namespace OpenBekenHub.Provisioning.Tests.Config;

/// <summary>
/// The full example block of openbeken.md §5.5 ("[verified] Test vector"), built through the public model and
/// checked against the documented check byte and SHA-256, then field by field at the documented offsets (§5.4).
/// </summary>
public sealed class DocumentedExampleBlockTests
{
    internal static ObkConfig DocumentedExample() => new()
    {
        Version = 5,
        Flags = 1024,
        WifiSsid = "HomeWiFi",
        WifiPassword = "secret123",
        MqttHost = "192.168.1.10",
        MqttPort = 1883,
        MqttClientId = "plug1",
        MqttUser = "mqtt",
        MqttPassword = "mqttpass",
        WebappRoot = ObkConfig.DefaultWebappRoot,
        ShortName = "plug1",
        LongName = "OpenBK7231N_plug1",
        Pins =
        [
            new PinAssignment(26, 1, 1),  // Rel ch1
            new PinAssignment(10, 3, 1),  // Btn ch1
            new PinAssignment(8, 9, 0),   // WifiLED_n
            new PinAssignment(6, 19, 0),  // BL0937CF1
            new PinAssignment(7, 18, 0),  // BL0937CF
            new PinAssignment(24, 17, 0), // BL0937SEL
        ],
        StartValues = new Dictionary<int, short> { [1] = -1 },
        NtpServer = ObkConfig.DefaultNtpServer,
        ButtonShortPress = 3,
        ButtonLongPress = 10,
        ButtonHoldRepeat = 5,
        LedCorrection = LedCorrection.Default,
        MqttGroup = "bekens_n",
        TimeRequiredToMarkBootSuccessful = 5,
        PingHost = ObkConfig.DefaultPingHost,
        InitCommandLine = "backlog startDriver NTP; SetupEnergyStats 1 60 60",
    };

    [Fact]
    public void Documented_example_has_check_byte_0xF6_and_the_documented_SHA256()
    {
        var block = ObkConfigWriter.Build(DocumentedExample());

        Assert.Equal(3584, block.Length);
        Assert.Equal(0xF6, block[3]);
        Assert.Equal("388f3ba418b32d0cfc2f239af143b86efc2f4dab0d5fc1f659a0aa8b1d7ed20c", Convert.ToHexStringLower(SHA256.HashData(block)));
    }

    [Fact]
    public void Documented_example_has_every_field_at_its_documented_offset()
    {
        var b = ObkConfigWriter.Build(DocumentedExample());

        Assert.Equal("CFG"u8.ToArray(), b[0..3]);
        Assert.Equal(ObkCrc8.ComputeSigned(b.AsSpan(4)), b[3]);
        Assert.Equal(5, BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(0x004)));
        Assert.Equal(1024u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(0x008)));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(0x00C)));
        AssertString(b, 0x014, 64, "HomeWiFi");
        AssertString(b, 0x054, 64, "secret123");
        AssertString(b, 0x094, 256, "192.168.1.10");
        AssertString(b, 0x194, 64, "plug1");
        AssertString(b, 0x1D4, 64, "mqtt");
        AssertString(b, 0x214, 128, "mqttpass");
        Assert.Equal(1883, BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(0x294)));
        AssertString(b, 0x298, 64, "https://openbekeniot.github.io/webapp/");
        Assert.All(b[0x2D8..0x2DE], x => Assert.Equal(0, x));
        AssertString(b, 0x2DE, 32, "plug1");
        AssertString(b, 0x2FE, 64, "OpenBK7231N_plug1");
        // pins: role at 0x33E + pin, channel at 0x35E + pin
        Assert.Equal(1, b[0x33E + 26]);
        Assert.Equal(1, b[0x35E + 26]);
        Assert.Equal(3, b[0x33E + 10]);
        Assert.Equal(1, b[0x35E + 10]);
        Assert.Equal(9, b[0x33E + 8]);
        Assert.Equal(19, b[0x33E + 6]);
        Assert.Equal(18, b[0x33E + 7]);
        Assert.Equal(17, b[0x33E + 24]);
        Assert.All(b[0x37E..0x39E], x => Assert.Equal(0, x));
        Assert.All(b[0x39E..0x3DE], x => Assert.Equal(0, x));
        Assert.Equal(-1, BinaryPrimitives.ReadInt16LittleEndian(b.AsSpan(0x3DE + 2)));
        AssertString(b, 0x478, 32, "217.147.223.78");
        Assert.Equal(new byte[] { 3, 10, 5 }, b[0x4B8..0x4BB]);
        Assert.Equal(1.0f, BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(0x53C)));
        Assert.Equal(2.2f, BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(0x53C + 12)));
        Assert.Equal(0.1f, BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(0x53C + 20)));
        AssertString(b, 0x554, 64, "bekens_n");
        Assert.Equal(5, b[0x597]);
        AssertString(b, 0x5A0, 64, "192.168.0.1");
        AssertString(b, 0x5E0, 1568, "backlog startDriver NTP; SetupEnergyStats 1 60 60");
        Assert.All(b[0xC00..0xE00], x => Assert.Equal(0, x));
    }

    private static void AssertString(byte[] block, int offset, int capacity, string expected)
    {
        var bytes = Encoding.UTF8.GetBytes(expected);
        Assert.Equal(bytes, block[offset..(offset + bytes.Length)]);
        Assert.All(block[(offset + bytes.Length)..(offset + capacity)], x => Assert.Equal(0, x));
    }
}
