using OpenBekenHub.Flashing.Errors;
using OpenBekenHub.Flashing.Protocol;

namespace OpenBekenHub.Flashing.Tests.Protocol;

/// <summary>Byte vectors from bk7231-protocol.md §11b (worked exchanges), not round trips.</summary>
public sealed class BkPacketCodecTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    public static TheoryData<BkCommand, string> Requests => new()
    {
        { new LinkCheckCommand(), "01 E0 FC 01 00" },
        { new SetBaudRateCommand(921600, 20), "01 E0 FC 06 0F 00 10 0E 00 14" },
        { new ReadRegisterCommand(0x800000), "01 E0 FC 05 03 00 00 80 00" },
        { new FlashGetMidCommand(), "01 E0 FC FF F4 05 00 0E 9F 00 00 00" },
        { new FlashReadStatusCommand(0x05), "01 E0 FC FF F4 02 00 0C 05" },
        { new FlashWriteStatusCommand(0x01, [0x00, 0x00]), "01 E0 FC FF F4 04 00 0D 01 00 00" },
        { new FlashEraseCommand(BkEraseSize.Sector4K, 0x11000), "01 E0 FC FF F4 06 00 0F 20 00 10 01 00" },
        { new FlashEraseCommand(BkEraseSize.Block64K, 0x20000), "01 E0 FC FF F4 06 00 0F D8 00 00 02 00" },
        { new FlashRead4KCommand(0x11000), "01 E0 FC FF F4 05 00 09 00 10 01 00" },
        { new FlashRead4KCommand(0x200000), "01 E0 FC FF F4 05 00 09 00 00 20 00" },
        { new CheckCrcCommand(0x11000, 0x11FFF), "01 E0 FC 09 10 00 10 01 00 FF 1F 01 00" },
        { new CheckCrcCommand(0x11000, 0x12000), "01 E0 FC 09 10 00 10 01 00 00 20 01 00" },
        { new RebootCommand(), "01 E0 FC 02 0E A5" },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public void Encodes_requests_as_in_the_protocol_doc(BkCommand command, string expected)
    {
        Assert.Equal(Hex(expected), BkPacketCodec.Encode(command));
    }

    [Fact]
    public void Write4K_is_a_long_frame_with_length_0x1005_and_the_data_after_the_address()
    {
        var data = Enumerable.Range(0, 4096).Select(i => (byte)i).ToArray();
        var frame = BkPacketCodec.Encode(new FlashWrite4KCommand(0x11000, data));
        Assert.Equal(Hex("01 E0 FC FF F4 05 10 07 00 10 01 00"), frame[..12]);
        Assert.Equal(data, frame[12..]);
        Assert.Equal(4108, frame.Length);
    }

    private static BkReply DecodeOne(BkCommand command, byte[] wire)
    {
        Assert.Equal(FrameScanStatus.Frame, BkPacketCodec.TryReadFrame(wire, out var frame, out var consumed, out var skipped));
        Assert.Equal(0, skipped);
        Assert.Equal(wire.Length, consumed);
        return BkPacketCodec.Decode(command, frame);
    }

    [Fact]
    public void Decodes_the_documented_replies()
    {
        Assert.IsType<LinkCheckReply>(DecodeOne(new LinkCheckCommand(), Hex("04 0E 05 01 E0 FC 01 00")));
        Assert.Equal(new BaudRateReply(921600, 20), DecodeOne(new SetBaudRateCommand(921600, 20), Hex("04 0E 09 01 E0 FC 0F 00 10 0E 00 14")));
        Assert.Equal(new RegisterReply(0x800000, 0x7231C), DecodeOne(new ReadRegisterCommand(0x800000), Hex("04 0E 0C 01 E0 FC 03 00 00 80 00 1C 23 07 00")));
        Assert.Equal(0x1560EBu, ((FlashIdReply)DecodeOne(new FlashGetMidCommand(), Hex("04 0E FF 01 E0 FC F4 06 00 0E 00 00 EB 60 15"))).Mid);
        Assert.Equal(new StatusRegisterReply(0x05, 0x1C), DecodeOne(new FlashReadStatusCommand(0x05), Hex("04 0E FF 01 E0 FC F4 04 00 0C 00 05 1C")));
        Assert.IsType<WriteStatusReply>(DecodeOne(new FlashWriteStatusCommand(0x01, [0, 0]), Hex("04 0E FF 01 E0 FC F4 05 00 0D 00 01 00 00")));
        Assert.Equal(new FlashEraseReply(BkEraseSize.Sector4K, 0x11000), DecodeOne(new FlashEraseCommand(BkEraseSize.Sector4K, 0x11000), Hex("04 0E FF 01 E0 FC F4 07 00 0F 00 20 00 10 01 00")));
        Assert.Equal(new FlashEraseReply(BkEraseSize.Block64K, 0x20000), DecodeOne(new FlashEraseCommand(BkEraseSize.Block64K, 0x20000), Hex("04 0E FF 01 E0 FC F4 07 00 0F 00 D8 00 00 02 00")));
        Assert.Equal(new FlashWriteReply(0x11000), DecodeOne(new FlashWrite4KCommand(0x11000, new byte[4096]), Hex("04 0E FF 01 E0 FC F4 06 00 07 00 00 10 01 00")));
        Assert.Equal(new CrcReply(0xF598AB0E), DecodeOne(new CheckCrcCommand(0, 0x1000), Hex("04 0E 08 01 E0 FC 10 0E AB 98 F5")));
    }

    [Fact]
    public void Decodes_a_4K_read_with_its_data()
    {
        var data = Enumerable.Range(0, 4096).Select(i => (byte)(i * 7)).ToArray();
        var wire = Hex("04 0E FF 01 E0 FC F4 06 10 09 00 00 10 01 00").Concat(data).ToArray();
        Assert.Equal(4111, wire.Length);
        Assert.Equal(new FlashRead4KCommand(0x11000).ReplyLength, wire.Length);
        var reply = Assert.IsType<FlashReadReply>(DecodeOne(new FlashRead4KCommand(0x11000), wire));
        Assert.Equal(data, reply.Data);
    }

    [Fact]
    public void Accepts_the_five_byte_GetMID_reply_of_some_ROMs()
    {
        Assert.Equal(0x1560EBu, ((FlashIdReply)DecodeOne(new FlashGetMidCommand(), Hex("04 0E FF 01 E0 FC F4 05 00 0E 00 EB 60 15"))).Mid);
    }

    [Fact]
    public void Skips_noise_before_a_frame_and_reports_how_much()
    {
        var wire = Hex("FF 00 04 0E 13 37 04 0E 05 01 E0 FC 01 00");
        Assert.Equal(FrameScanStatus.Frame, BkPacketCodec.TryReadFrame(wire, out var frame, out var consumed, out var skipped));
        Assert.Equal(6, skipped);
        Assert.Equal(wire.Length, consumed);
        Assert.False(frame.IsLong);
        Assert.Equal(0x01, frame.Code);
    }

    [Fact]
    public void Waits_for_the_rest_of_a_partial_frame()
    {
        Assert.Equal(FrameScanStatus.NeedMore, BkPacketCodec.TryReadFrame(Hex("04 0E FF 01 E0 FC F4 06 10 09 00"), out _, out var consumed, out var skipped));
        Assert.Equal(0, consumed);
        Assert.Equal(0, skipped);
    }

    [Fact]
    public void A_stale_link_check_reply_is_not_taken_for_a_baud_echo()
    {
        Assert.Equal(FrameScanStatus.Frame, BkPacketCodec.TryReadFrame(Hex("04 0E 05 01 E0 FC 01 00"), out var frame, out _, out _));
        Assert.False(BkPacketCodec.IsReplyTo(new SetBaudRateCommand(921600, 20), frame));
    }

    [Fact]
    public void A_non_zero_status_becomes_a_bootloader_status_error_with_its_meaning()
    {
        Assert.Equal(FrameScanStatus.Frame, BkPacketCodec.TryReadFrame(Hex("04 0E FF 01 E0 FC F4 07 00 0F 06 20 00 00 00 00"), out var frame, out _, out _));
        var ex = Assert.Throws<BootloaderStatusException>(() => BkPacketCodec.Decode(new FlashEraseCommand(BkEraseSize.Sector4K, 0), frame));
        Assert.Contains("parameter error", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_short_command_reply_says_not_supported()
    {
        Assert.Equal(FrameScanStatus.Frame, BkPacketCodec.TryReadFrame(Hex("04 0E 05 01 E0 FC 03 07"), out var frame, out _, out _));
        var ex = Assert.Throws<BootloaderStatusException>(() => BkPacketCodec.Decode(new ReadRegisterCommand(0x800000), frame));
        Assert.Equal((byte)BkStatus.UnknownCommand, ex.Status);
    }

    [Fact]
    public void A_wrong_address_echo_is_a_corrupt_reply()
    {
        Assert.Equal(FrameScanStatus.Frame, BkPacketCodec.TryReadFrame(Hex("04 0E FF 01 E0 FC F4 06 00 07 00 00 10 02 00"), out var frame, out _, out _));
        var ex = Assert.Throws<ReplyCorruptException>(() => BkPacketCodec.Decode(new FlashWrite4KCommand(0x11000, new byte[4096]), frame));
        Assert.Contains("address echo 0x21000", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_length_is_a_corrupt_reply()
    {
        Assert.Equal(FrameScanStatus.Frame, BkPacketCodec.TryReadFrame(Hex("04 0E 07 01 E0 FC 10 0E AB 98"), out var frame, out _, out _));
        Assert.Throws<ReplyCorruptException>(() => BkPacketCodec.Decode(new CheckCrcCommand(0, 1), frame));
    }
}
