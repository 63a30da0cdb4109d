using OpenBekenHub.Simulators.Bootloader;

namespace OpenBekenHub.Simulators.Tests.Bootloader;

/// <summary>How the chip side finds frames in what arrives: resync after noise, idle timeout, long frames.</summary>
public sealed class FramingTests
{
    [Fact]
    public void Noise_before_a_frame_is_skipped_and_kept_for_the_app_text_sniffer()
    {
        var parser = new HostFrameParser(TimeSpan.FromMilliseconds(100));
        parser.Append(Hex.Parse("72 65 62 01 E0 01 E0 FC 05 03 00 00 80 00"), 0, 1);
        var frame = parser.TryTake();
        Assert.NotNull(frame);
        Assert.False(frame.IsLong);
        Assert.Equal(0x03, frame.Command);
        Assert.Equal(Hex.Parse("00 00 80 00"), frame.Payload);
        Assert.Equal(Hex.Parse("72 65 62 01 E0"), parser.TakeSkipped());
    }

    [Fact]
    public void Long_frame_is_taken_only_when_complete()
    {
        var parser = new HostFrameParser(TimeSpan.FromMilliseconds(100));
        parser.Append(Hex.Parse("01 E0 FC FF F4 05 00 09 00 10"), 0, 1);
        Assert.Null(parser.TryTake());
        parser.Append(Hex.Parse("01 00"), 2, 3);
        var frame = parser.TryTake();
        Assert.NotNull(frame);
        Assert.True(frame.IsLong);
        Assert.Equal(0x09, frame.Command);
        Assert.Equal(0x11000u, BitConverter.ToUInt32(frame.Payload));
        Assert.Equal(3, frame.EndMs);
    }

    [Fact]
    public void A_partial_frame_is_dropped_when_the_line_stays_idle_past_the_frame_timeout()
    {
        var parser = new HostFrameParser(TimeSpan.FromMilliseconds(100));
        parser.Append(Hex.Parse("01 E0 FC FF F4 05 10 07 00 10"), 0, 1); // a Write4K whose data never came
        parser.Append(Hex.Parse("01 E0 FC 01 00"), 500, 501);
        var frame = parser.TryTake();
        Assert.NotNull(frame);
        Assert.Equal(0x00, frame.Command);
        Assert.Equal(1, parser.DroppedPartials);
    }

    [Fact]
    public async Task A_burst_of_queued_link_checks_gets_one_reply()
    {
        await using var h = EmulatorHarness.For(EmulatedChip.Bk7231N);
        h.Send(Enumerable.Repeat(Hex.Parse("01 E0 FC 01 00"), 5).SelectMany(b => b).ToArray());
        Assert.Equal("040E0501E0FC0100", Hex.Of(await h.ReadAsync(8)));
        Assert.Equal("040E0C01E0FC03000080001C230700", Hex.Of(await h.ExchangeAsync("01 E0 FC 05 03 00 00 80 00", 15)));
        Assert.Equal(4, h.Emulator.CoalescedLinkChecks);
    }

    [Fact]
    public void Replies_are_encoded_with_the_documented_lengths()
    {
        Assert.Equal("040E0501E0FC0100", Hex.Of(ChipReply.Short(0x01, [0x00])));
        var read = ChipReply.Long(0x09, 0, new byte[4 + 4096]);
        Assert.Equal(4111, read.Length);
        Assert.Equal("040EFF01E0FCF4061009", Hex.Of(read.AsSpan(0, 10)));
    }
}
