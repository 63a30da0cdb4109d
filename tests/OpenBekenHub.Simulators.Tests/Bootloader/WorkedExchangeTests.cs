using System.Buffers.Binary;
using System.Diagnostics;
using OpenBekenHub.Simulators.Bootloader;

namespace OpenBekenHub.Simulators.Tests.Bootloader;

/// <summary>The worked byte exchanges of the protocol doc (§11b), byte for byte, per chip.</summary>
public sealed class WorkedExchangeTests
{
    private static byte[] Sector(byte seed)
    {
        var data = new byte[4096];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (byte)(i * 7 + seed);
        }
        return data;
    }

    [Theory]
    [InlineData(EmulatedChip.Bk7231N)]
    [InlineData(EmulatedChip.Bk7231T)]
    public async Task LinkCheck_is_answered_with_code_01_and_value_00(EmulatedChip chip)
    {
        await using var h = EmulatorHarness.For(chip);
        Assert.Equal("040E0501E0FC0100", Hex.Of(await h.ExchangeAsync("01 E0 FC 01 00", 8)));
    }

    [Fact]
    public async Task SetBaudRate_echoes_baud_and_delay_after_the_delay_and_switches_the_uart()
    {
        await using var h = EmulatorHarness.For(EmulatedChip.Bk7231N);
        var sw = Stopwatch.StartNew();
        var reply = await h.ExchangeAsync("01 E0 FC 06 0F 00 10 0E 00 14", 12);
        Assert.Equal("040E0901E0FC0F00100E0014", Hex.Of(reply));
        Assert.True(sw.ElapsedMilliseconds >= 19, $"echo came after {sw.ElapsedMilliseconds} ms, before the 20 ms delay");
        Assert.Equal(921600, h.Emulator.CurrentBaud);
    }

    [Fact]
    public async Task ReadReg_chip_id_on_N_returns_0x7231C()
    {
        await using var h = EmulatorHarness.For(EmulatedChip.Bk7231N);
        Assert.Equal("040E0C01E0FC03000080001C230700",
            Hex.Of(await h.ExchangeAsync("01 E0 FC 05 03 00 00 80 00", 15)));
    }

    [Fact]
    public async Task GetMID_replies_with_length_6_and_the_jedec_id()
    {
        await using var h = EmulatorHarness.For(EmulatedChip.Bk7231N);
        Assert.Equal("040EFF01E0FCF406000E0000EB6015", Hex.Of(await h.ExchangeAsync("01 E0 FC FF F4 05 00 0E 9F 00 00 00", 15)));
    }

    [Fact]
    public async Task ReadSR_and_WriteSR16_echo_opcode_and_values()
    {
        await using var h = EmulatorHarness.For(EmulatedChip.Bk7231N, o => o.InitialStatusRegister = 0x401C);
        Assert.Equal("040EFF01E0FCF404000C00051C", Hex.Of(await h.ExchangeAsync("01 E0 FC FF F4 02 00 0C 05", 13)));
        Assert.Equal("040EFF01E0FCF404000C003540", Hex.Of(await h.ExchangeAsync("01 E0 FC FF F4 02 00 0C 35", 13)));
        Assert.Equal("040EFF01E0FCF405000D00010000", Hex.Of(await h.ExchangeAsync("01 E0 FC FF F4 04 00 0D 01 00 00", 14)));
        Assert.Equal(0, h.Emulator.Flash.StatusRegister);
    }

    [Theory]
    [InlineData(EmulatedChip.Bk7231N)]
    [InlineData(EmulatedChip.Bk7231T)]
    public async Task Erase_write_read_round_trip_with_the_documented_replies(EmulatedChip chip)
    {
        await using var h = EmulatorHarness.For(chip, o => o.InitialStatusRegister = 0);
        await h.LinkAsync();
        Assert.Equal("040EFF01E0FCF407000F002000100100",
            Hex.Of(await h.ExchangeAsync("01 E0 FC FF F4 06 00 0F 20 00 10 01 00", 16)));
        Assert.Equal("040EFF01E0FCF407000F00D800000200",
            Hex.Of(await h.ExchangeAsync("01 E0 FC FF F4 06 00 0F D8 00 00 02 00", 16)));

        var data = Sector(3);
        h.Send(Hex.Parse("01 E0 FC FF F4 05 10 07 00 10 01 00").Concat(data).ToArray());
        Assert.Equal("040EFF01E0FCF40600070000100100", Hex.Of(await h.ReadAsync(15)));

        var read = await h.ExchangeAsync("01 E0 FC FF F4 05 00 09 00 10 01 00", 15 + 4096);
        Assert.Equal("040EFF01E0FCF40610090000100100", Hex.Of(read.AsSpan(0, 15)));
        Assert.Equal(data, read[15..]);
    }

    [Fact]
    public async Task CheckCRC_end_is_inclusive_on_N()
    {
        await using var h = EmulatorHarness.For(EmulatedChip.Bk7231N);
        var reply = await h.ExchangeAsync("01 E0 FC 09 10 00 10 01 00 FF 1F 01 00", 11);
        Assert.Equal("040E0801E0FC10", Hex.Of(reply.AsSpan(0, 7)));
        var expected = BootCrc32.ChipValue(h.Emulator.Flash.Read(0x11000, 0x1000));
        Assert.Equal(expected, BinaryPrimitives.ReadUInt32LittleEndian(reply.AsSpan(7)));
        Assert.Equal(0x0EAB98F5u, expected); // 4K of 0xFF: ~0xF154670A (doc §4)
    }

    [Fact]
    public async Task CheckCRC_end_is_exclusive_on_T()
    {
        await using var h = EmulatorHarness.For(EmulatedChip.Bk7231T);
        var reply = await h.ExchangeAsync("01 E0 FC 09 10 00 10 01 00 00 20 01 00", 11);
        Assert.Equal(0x0EAB98F5u, BinaryPrimitives.ReadUInt32LittleEndian(reply.AsSpan(7)));
        var inclusive = await h.ExchangeAsync("01 E0 FC 09 10 00 10 01 00 FF 1F 01 00", 11);
        Assert.Equal(BootCrc32.ChipValue(h.Emulator.Flash.Read(0x11000, 0xFFF)), BinaryPrimitives.ReadUInt32LittleEndian(inclusive.AsSpan(7)));
    }

    [Theory]
    [InlineData(EmulatedChip.Bk7231N, 0xE14191BAu)]
    [InlineData(EmulatedChip.Bk7231T, 0xBA54C1B8u)]
    public async Task Bootloader_fingerprint_CRC_of_0_to_256_matches_the_known_bootloader(EmulatedChip chip, uint standardCrc)
    {
        await using var h = EmulatorHarness.For(chip);
        var reply = await h.ExchangeAsync("01 E0 FC 09 10 00 00 00 00 00 01 00 00", 11);
        Assert.Equal(standardCrc, ~BinaryPrimitives.ReadUInt32LittleEndian(reply.AsSpan(7)));
    }

    [Fact]
    public async Task Read4K_on_T_refuses_the_bootloader_region_but_serves_it_through_the_wrapped_address()
    {
        await using var h = EmulatorHarness.For(EmulatedChip.Bk7231T);
        var refused = await h.ExchangeAsync("01 E0 FC FF F4 05 00 09 00 00 00 00", 15 + 4096);
        Assert.Equal(BootStatus.ParamError, refused[10]);
        var wrapped = await h.ExchangeAsync("01 E0 FC FF F4 05 00 09 00 00 20 00", 15 + 4096);
        Assert.Equal(BootStatus.Ok, wrapped[10]);
        Assert.Equal(SyntheticBootloader.Build(EmulatedChip.Bk7231T)[..4096], wrapped[15..]);
    }

    [Fact]
    public async Task ReadBootVersion_answers_on_T_and_is_unknown_on_N()
    {
        await using var t = EmulatorHarness.For(EmulatedChip.Bk7231T);
        Assert.Equal("040E1101E0FC11" + Hex.Of("BK7231S_1.0.5"u8), Hex.Of(await t.ExchangeAsync("01 E0 FC 01 11", 20)));
        await using var n = EmulatorHarness.For(EmulatedChip.Bk7231N);
        Assert.Equal("040E0501E0FC1107", Hex.Of(await n.ExchangeAsync("01 E0 FC 01 11", 8)));
    }

    [Fact]
    public async Task T_has_no_register_or_SR_commands()
    {
        await using var h = EmulatorHarness.For(EmulatedChip.Bk7231T);
        Assert.Equal("040E0501E0FC0307", Hex.Of(await h.ExchangeAsync("01 E0 FC 05 03 00 00 80 00", 8)));
        Assert.Equal("040EFF01E0FCF402000E07", Hex.Of(await h.ExchangeAsync("01 E0 FC FF F4 05 00 0E 9F 00 00 00", 11)));
    }

    [Fact]
    public async Task Write4K_with_a_wrong_length_gets_PACK_LEN_ERROR()
    {
        await using var h = EmulatorHarness.For(EmulatedChip.Bk7231N);
        Assert.Equal("040EFF01E0FCF402000704", Hex.Of(await h.ExchangeAsync("01 E0 FC FF F4 09 00 07 00 10 01 00 AA BB CC DD", 11)));
    }

    [Fact]
    public async Task Reboot_sends_no_reply_and_leaves_download_mode_until_the_app_hears_reboot()
    {
        await using var h = EmulatorHarness.For(EmulatedChip.Bk7231N);
        h.Send("01 E0 FC 02 0E A5");
        h.Send("01 E0 FC 01 00");
        await Eventually(() => h.Emulator.FramesReceived == 2);
        Assert.True(h.Emulator.RunningApp);
        h.Send("72 65 62 6F 6F 74 0D 0A"); // "reboot\r\n" to OpenBeken's command line
        Assert.Equal("040E0501E0FC0100", Hex.Of(await h.ExchangeAsync("01 E0 FC 01 00", 8)));
        Assert.Equal(0, h.Emulator.RepliesSent - 1);
    }

    internal static Task Eventually(Func<bool> condition) =>
        OpenBekenHub.TestKit.Eventually.TrueAsync(condition, TimeSpan.FromSeconds(5));
}
