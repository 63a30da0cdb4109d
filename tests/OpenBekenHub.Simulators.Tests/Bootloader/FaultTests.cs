using System.Diagnostics;
using OpenBekenHub.Simulators.Bootloader;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Simulators.Tests.Bootloader;

/// <summary>Each injected fault, observed from the host side.</summary>
public sealed class FaultTests
{
    private const string LinkCheck = "01 E0 FC 01 00";
    private const string LinkReply = "040E0501E0FC0100";
    private const string ReadChipId = "01 E0 FC 05 03 00 00 80 00";
    private const string ChipIdReply = "040E0C01E0FC03000080001C230700";

    [Fact]
    public async Task Dropped_reply_is_never_sent_and_the_next_one_is()
    {
        await using var h = EmulatorHarness.For(EmulatedChip.Bk7231N, o => o.Faults.DropReplyNumber = 1);
        h.Send(LinkCheck);
        Assert.Equal(ChipIdReply, Hex.Of(await h.ExchangeAsync(ReadChipId, 15)));
        Assert.Equal(1, h.Emulator.RepliesSent);
    }

    [Fact]
    public async Task Corrupted_reply_has_one_byte_flipped_once()
    {
        await using var h = EmulatorHarness.For(EmulatedChip.Bk7231N, o => o.Faults.CorruptReplyNumber = 2);
        await h.LinkAsync();
        Assert.Equal("040E0C01E0FC03000080001C2307FF", Hex.Of(await h.ExchangeAsync(ReadChipId, 15)));
        Assert.Equal(ChipIdReply, Hex.Of(await h.ExchangeAsync(ReadChipId, 15)));
    }

    [Fact]
    public async Task Disconnect_closes_the_line_after_N_bytes()
    {
        await using var h = EmulatorHarness.For(EmulatedChip.Bk7231N, o => o.Faults.DisconnectAfterBytes = 12);
        await h.LinkAsync();
        h.Send(ReadChipId);
        await h.RunTask.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(12, h.Emulator.BytesReceived);
        Assert.Empty(await h.ReadAsync(1, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task Link_checks_are_answered_only_after_the_CEN_delay()
    {
        await using var h = EmulatorHarness.For(EmulatedChip.Bk7231N, o => o.LinkCheckDelay = TimeSpan.FromMilliseconds(300));
        var sw = Stopwatch.StartNew();
        byte[] reply = [];
        while (reply.Length == 0 && sw.Elapsed < TimeSpan.FromSeconds(5))
        {
            reply = await h.ExchangeAsync(LinkCheck, 8, TimeSpan.FromMilliseconds(20));
        }
        Assert.Equal(LinkReply, Hex.Of(reply));
        Assert.InRange(sw.ElapsedMilliseconds, 300, 5000);
    }

    [Fact]
    public async Task Ignored_baud_change_acks_then_treats_new_rate_traffic_as_garbage_until_the_host_returns()
    {
        var hostBaud = 115200;
        await using var h = EmulatorHarness.For(EmulatedChip.Bk7231N, o => o.Faults.IgnoreBaudChange = true);
        h.Emulator.HostBaudProbe = () => hostBaud;
        await h.LinkAsync();
        Assert.Equal("040E0901E0FC0F00100E0014", Hex.Of(await h.ExchangeAsync("01 E0 FC 06 0F 00 10 0E 00 14", 12)));
        hostBaud = 921600;
        Assert.Equal(115200, h.Emulator.CurrentBaud);
        Assert.Empty(await h.ExchangeAsync(ReadChipId, 15, TimeSpan.FromMilliseconds(300)));
        Assert.True(h.Emulator.GarbageBytes > 0);

        hostBaud = 115200;
        Assert.Equal(LinkReply, Hex.Of(await h.ExchangeAsync(LinkCheck, 8)));
    }

    [Fact]
    public async Task Strict_line_rate_ignores_a_host_at_the_wrong_rate()
    {
        var hostBaud = 921600;
        await using var h = EmulatorHarness.For(EmulatedChip.Bk7231N, o => o.StrictLineRate = true);
        h.Emulator.HostBaudProbe = () => hostBaud;
        Assert.Empty(await h.ExchangeAsync(LinkCheck, 8, TimeSpan.FromMilliseconds(300)));
        hostBaud = 115200;
        Assert.Equal(LinkReply, Hex.Of(await h.ExchangeAsync(LinkCheck, 8)));
    }

    [Fact]
    public async Task Silent_after_N_replies_models_a_brown_out_until_reset()
    {
        await using var h = EmulatorHarness.For(EmulatedChip.Bk7231N, o => o.Faults.GoSilentAfterReplies = 1);
        await h.LinkAsync();
        h.Send(LinkCheck);
        // the reset must come after the chip decided on that frame, or it would reset before the brown-out it models
        await Eventually.TrueAsync(() => h.Emulator.FramesReceived >= 2, TimeSpan.FromSeconds(10), "the chip received the second link check");
        Assert.Empty(await h.ReadAsync(8, TimeSpan.FromMilliseconds(300)));
        h.Emulator.Reset();
        Assert.Equal(LinkReply, Hex.Of(await h.ExchangeAsync(LinkCheck, 8)));
    }

    [Fact]
    public async Task Baud_time_mode_paces_a_4K_read_at_the_line_rate()
    {
        await using var h = EmulatorHarness.For(EmulatedChip.Bk7231N, o => o.BaudTimeMode = true);
        var sw = Stopwatch.StartNew();
        var reply = await h.ExchangeAsync("01 E0 FC FF F4 05 00 09 00 10 01 00", 4111);
        Assert.Equal(4111, reply.Length);
        var wireMs = (12 + 4111) * 10_000.0 / 115200;
        Assert.True(sw.Elapsed.TotalMilliseconds >= wireMs * 0.98, $"took {sw.Elapsed.TotalMilliseconds:0} ms, wire time {wireMs:0} ms");
    }

    [Fact]
    public async Task Realistic_timings_make_a_64K_erase_take_300_ms()
    {
        await using var h = EmulatorHarness.For(EmulatedChip.Bk7231N, o => { o.RealisticTimings = true; o.InitialStatusRegister = 0; });
        var sw = Stopwatch.StartNew();
        await h.ExchangeAsync("01 E0 FC FF F4 06 00 0F D8 00 00 02 00", 16);
        Assert.True(sw.ElapsedMilliseconds >= 299, $"64K erase answered after {sw.ElapsedMilliseconds} ms");
    }
}
