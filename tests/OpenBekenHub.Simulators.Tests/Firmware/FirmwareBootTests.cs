using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using OpenBekenHub.Simulators.Firmware;

namespace OpenBekenHub.Simulators.Tests.Firmware;

/// <summary>
/// The simulated firmware's own reading of the config block, checked against a block laid out by hand from the
/// documented offsets (openbeken.md §5.4) whose SHA-256 equals the documented example (§5.5).
/// </summary>
public sealed class FirmwareBootTests
{
    private const string DocumentedSha256 = "388f3ba418b32d0cfc2f239af143b86efc2f4dab0d5fc1f659a0aa8b1d7ed20c";

    /// <summary>The §5.5 example, byte by byte at the §5.4 offsets.</summary>
    internal static byte[] DocumentedExampleBlock()
    {
        var b = new byte[3584];
        void Str(int at, string s) => Encoding.ASCII.GetBytes(s).CopyTo(b, at);
        Str(0x000, "CFG");
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(0x004), 5);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(0x008), 1024);
        Str(0x014, "HomeWiFi");
        Str(0x054, "secret123");
        Str(0x094, "192.168.1.10");
        Str(0x194, "plug1");
        Str(0x1D4, "mqtt");
        Str(0x214, "mqttpass");
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(0x294), 1883);
        Str(0x298, "https://openbekeniot.github.io/webapp/");
        Str(0x2DE, "plug1");
        Str(0x2FE, "OpenBK7231N_plug1");
        foreach (var (pin, role, ch) in new[] { (26, 1, 1), (10, 3, 1), (8, 9, 0), (6, 19, 0), (7, 18, 0), (24, 17, 0) })
        {
            b[0x33E + pin] = (byte)role;
            b[0x35E + pin] = (byte)ch;
        }
        BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(0x3DE + 2), -1);
        Str(0x478, "217.147.223.78");
        b[0x4B8] = 3;
        b[0x4B9] = 10;
        b[0x4BA] = 5;
        float[] corr = [1f, 1f, 1f, 2.2f, 0.1f, 0.1f];
        for (var i = 0; i < corr.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(0x53C + (4 * i)), corr[i]);
        }
        Str(0x554, "bekens_n");
        b[0x597] = 5;
        Str(0x5A0, "192.168.0.1");
        Str(0x5E0, "backlog startDriver NTP; SetupEnergyStats 1 60 60");
        b[3] = FlashConfigBlock.BekenCrc8(b.AsSpan(4));
        return b;
    }

    internal static byte[] RfSector(byte[] mac)
    {
        var rf = new byte[4096];
        rf.AsSpan().Fill(0xFF);
        Encoding.ASCII.GetBytes("TLV\0").CopyTo(rf, 0);
        rf.AsSpan(4, 0x18).Clear();
        new byte[] { 0x02, 0x11, 0x11, 0x11, 0x06, 0, 0, 0 }.CopyTo(rf, 0x1C);
        mac.CopyTo(rf, 0x24);
        return rf;
    }

    private static byte[] Flash(byte[] block, int configOffset = 0x1D1000, int rfOffset = 0x1D0000, byte[]? mac = null)
    {
        var flash = new byte[0x200000];
        flash.AsSpan().Fill(0xFF);
        block.CopyTo(flash, configOffset);
        if (mac is not null)
        {
            RfSector(mac).CopyTo(flash, rfOffset);
        }
        return flash;
    }

    [Fact]
    public void The_hand_laid_example_is_the_documented_block()
    {
        var block = DocumentedExampleBlock();
        Assert.Equal(0xF6, block[3]);
        Assert.Equal(DocumentedSha256, Convert.ToHexStringLower(SHA256.HashData(block)));
    }

    [Fact]
    public void The_signed_CRC_matches_the_documented_vectors()
    {
        Assert.Equal(0x63, FlashConfigBlock.BekenCrc8("123456789"u8));
        Assert.Equal(0xFE, FlashConfigBlock.BekenCrc8([0x01, 0x02]));
        Assert.Equal(0x8C, FlashConfigBlock.BekenCrc8([0x80]));
    }

    [Fact]
    public void The_plug_boots_with_the_MAC_from_RF_and_the_settings_from_the_block()
    {
        var s = FirmwareBoot.FromFlash(Flash(DocumentedExampleBlock(), mac: [0xC8, 0x47, 0x1A, 0x2B, 0x3C, 0x4D]), "BK7231N");

        Assert.Equal("c8:47:1a:2b:3c:4d", s.Mac);
        Assert.Equal(("plug1", "bekens_n", "plug1", "OpenBK7231N_plug1"), (s.ClientTopic, s.GroupTopic, s.ShortName, s.FriendlyName));
        Assert.Equal(("192.168.1.10", 1883, "mqtt", "mqttpass"), (s.BrokerHost, s.BrokerPort, s.Username, s.Password));
        Assert.Equal("HomeWiFi", s.Ssid);
        Assert.Equal(1024UL, s.Flags);
        Assert.Null(s.WebPassword);
        Assert.Equal("backlog startDriver NTP; SetupEnergyStats 1 60 60", s.StartupCommand);
        Assert.Equal(
        [
            new(6, "BL0937CF1", 0), new(7, "BL0937CF", 0), new(8, "WifiLED_n", 0),
            new(10, "Btn", 1), new(24, "BL0937SEL", 0), new(26, "Rel", 1),
        ], s.Pins);
        Assert.Equal([1], s.RelayChannels);
        Assert.True(s.HasPowerMeter);
    }

    [Fact]
    public void On_BK7231T_the_block_is_read_at_0x1E1000()
    {
        var flash = Flash(DocumentedExampleBlock(), 0x1E1000, 0x1E0000, [2, 0, 0, 0, 0, 1]);

        Assert.Equal("02:00:00:00:00:01", FirmwareBoot.FromFlash(flash, "BK7231T").Mac);
        Assert.Equal(FirmwareBootProblem.NoValidConfig, Assert.Throws<FirmwareBootException>(() => FirmwareBoot.FromFlash(flash, "BK7231N")).Problem);
    }

    [Fact]
    public void A_damaged_block_boots_factory_defaults_and_says_why()
    {
        var block = DocumentedExampleBlock();
        block[0x14] ^= 1;

        var ex = Assert.Throws<FirmwareBootException>(() => FirmwareBoot.FromFlash(Flash(block, mac: [2, 0, 0, 0, 0, 1]), "BK7231N"));

        Assert.Equal(FirmwareBootProblem.NoValidConfig, ex.Problem);
        Assert.Contains("check byte 0xF6", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_SSID_or_MQTT_host_keeps_the_plug_off_the_broker()
    {
        var noWifi = DocumentedExampleBlock();
        noWifi.AsSpan(0x14, 64).Clear();
        noWifi[3] = FlashConfigBlock.BekenCrc8(noWifi.AsSpan(4));
        var noMqtt = DocumentedExampleBlock();
        noMqtt.AsSpan(0x94, 256).Clear();
        noMqtt[3] = FlashConfigBlock.BekenCrc8(noMqtt.AsSpan(4));

        Assert.Equal(FirmwareBootProblem.NoWifi, Assert.Throws<FirmwareBootException>(() => FirmwareBoot.FromFlash(Flash(noWifi, mac: [2, 0, 0, 0, 0, 1]), "BK7231N")).Problem);
        Assert.Equal(FirmwareBootProblem.NoMqtt, Assert.Throws<FirmwareBootException>(() => FirmwareBoot.FromFlash(Flash(noMqtt, mac: [2, 0, 0, 0, 0, 1]), "BK7231N")).Problem);
    }

    [Fact]
    public void Without_an_RF_MAC_the_fallback_is_used_and_empty_names_follow_the_MAC()
    {
        var block = DocumentedExampleBlock();
        block.AsSpan(0x194, 64).Clear(); // client topic
        block.AsSpan(0x2DE, 32).Clear(); // short name
        block.AsSpan(0x2FE, 64).Clear(); // long name
        block[3] = FlashConfigBlock.BekenCrc8(block.AsSpan(4));

        var s = FirmwareBoot.FromFlash(Flash(block), "BK7231N", fallbackMac: "C8:47:1A:2B:3C:4D");

        Assert.Equal(("obk1A2B3C4D", "obk1A2B3C4D", "OpenBK7231N_1A2B3C4D"), (s.ClientTopic, s.ShortName, s.FriendlyName));
        Assert.Equal(FirmwareBootProblem.NoMac, Assert.Throws<FirmwareBootException>(() => FirmwareBoot.FromFlash(Flash(block), "BK7231N")).Problem);
    }
}
