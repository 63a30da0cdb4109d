using OpenBekenHub.Flashing.Errors;
using OpenBekenHub.Flashing.Operations;
using OpenBekenHub.Flashing.Tests.Support;
using OpenBekenHub.Simulators.Bootloader;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Flashing.Tests.Operations;

/// <summary>
/// Every injected fault ends in a verified image, or in an intact original plus a resumable state that the next run
/// completes; never in a half-written region reported as success.
/// </summary>
public sealed class FaultTests
{
    private readonly CancellationToken Ct = new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;

    private static byte[] ImageFor(EmulatedChip chip) => chip == EmulatedChip.Bk7231T
        ? TestImages.UaOfSize(400_000, seed: 9)
        : TestImages.Qio(EmulatedChip.Bk7231N, 12_000, seed: 9);

    private static uint OffsetFor(EmulatedChip chip) => chip == EmulatedChip.Bk7231T ? 0x11000u : 0u;

    private static async Task AssertFlashHoldsAsync(EmulatedPort port, EmulatedChip chip, byte[] image)
    {
        Assert.Equal(image, port.Emulator.Flash.Snapshot().AsSpan((int)OffsetFor(chip), image.Length).ToArray());
        await using var session = await port.ConnectAsync();
        Assert.True((await session.VerifyAsync(image)).Matches);
    }

    [Theory]
    [InlineData(EmulatedChip.Bk7231T, 40)]
    [InlineData(EmulatedChip.Bk7231N, 40)]
    [InlineData(EmulatedChip.Bk7231N, 75)]
    public async Task A_dropped_reply_is_retried_and_the_image_verifies(EmulatedChip chip, int replyNumber)
    {
        await using var port = await EmulatedPort.StartAsync(chip, o => o.Faults.DropReplyNumber = replyNumber);
        var image = ImageFor(chip);
        await using (var session = await port.ConnectAsync(cancellationToken: Ct))
        {
            await session.WriteImageAsync(image, new WriteImageOptions { SkipBackup = true }, Ct);
            Assert.True(session.Loader.Stats.Retries + session.Loader.Stats.Resyncs > 0, "the dropped reply was noticed");
        }
        await AssertFlashHoldsAsync(port, chip, image);
    }

    [Theory]
    [InlineData(EmulatedChip.Bk7231T, 40)]
    [InlineData(EmulatedChip.Bk7231N, 40)]
    [InlineData(EmulatedChip.Bk7231T, 60)]
    public async Task A_corrupted_reply_is_detected_resynchronised_and_the_image_verifies(EmulatedChip chip, int replyNumber)
    {
        await using var port = await EmulatedPort.StartAsync(chip, o => o.Faults.CorruptReplyNumber = replyNumber);
        var image = ImageFor(chip);
        await using (var session = await port.ConnectAsync(cancellationToken: Ct))
        {
            await session.WriteImageAsync(image, new WriteImageOptions { SkipBackup = true }, Ct);
        }
        await AssertFlashHoldsAsync(port, chip, image);
    }

    [Theory]
    [InlineData(EmulatedChip.Bk7231T)]
    [InlineData(EmulatedChip.Bk7231N)]
    public async Task An_ignored_baud_change_falls_back_to_a_rate_that_holds(EmulatedChip chip)
    {
        await using var port = await EmulatedPort.StartAsync(chip, o => o.Faults.IgnoreBaudChange = true);
        var image = ImageFor(chip);
        await using (var session = await port.ConnectAsync(cancellationToken: Ct))
        {
            Assert.True(session.Info.BaudRate < 921_600, $"fell back below 921600, got {session.Info.BaudRate}");
            await session.WriteImageAsync(image, new WriteImageOptions { SkipBackup = true }, Ct);
        }
        await AssertFlashHoldsAsync(port, chip, image);
    }

    [Theory]
    [InlineData(EmulatedChip.Bk7231T)]
    [InlineData(EmulatedChip.Bk7231N)]
    public async Task A_pulled_cable_leaves_a_resumable_state_and_the_next_run_completes(EmulatedChip chip)
    {
        await using var port = await EmulatedPort.StartAsync(chip, o => o.Faults.DisconnectAfterBytes = 200_000);
        var image = ImageFor(chip);
        PortLostException lost;
        await using (var session = await port.ConnectAsync(cancellationToken: Ct))
        {
            lost = await Assert.ThrowsAsync<PortLostException>(() => session.WriteImageAsync(image, new WriteImageOptions { SkipBackup = true }, Ct));
        }
        Assert.NotNull(lost.ResumeAddress);
        Assert.Contains("verified", lost.Message, StringComparison.Ordinal);
        var resume = lost.ResumeAddress.Value;
        // Everything before the resume address is already the new image.
        var offset = (int)OffsetFor(chip);
        Assert.Equal(image.AsSpan(0, (int)resume - offset).ToArray(), port.Emulator.Flash.Snapshot().AsSpan(offset, (int)resume - offset).ToArray());

        await Eventually.TrueAsync(() => port.Pty.LineGeneration >= 2, TimeSpan.FromSeconds(10), "the adapter came back");
        await using (var session = await port.ConnectAsync(cancellationToken: Ct))
        {
            var result = await session.WriteImageAsync(image, new WriteImageOptions { SkipBackup = true }, Ct);
            Assert.NotEmpty(result.Skipped); // verified regions were not written again
            Assert.True(result.Written.Min(r => r.Address) >= resume);
        }
        await AssertFlashHoldsAsync(port, chip, image);
    }

    [Fact]
    public async Task A_brown_out_is_diagnosed_as_replies_then_silence_and_the_next_run_completes()
    {
        const EmulatedChip chip = EmulatedChip.Bk7231N;
        await using var port = await EmulatedPort.StartAsync(chip, o => o.Faults.GoSilentAfterReplies = 45);
        var image = ImageFor(chip);
        await using (var session = await port.ConnectAsync(cancellationToken: Ct))
        {
            var ex = await Assert.ThrowsAnyAsync<FlashException>(() => session.WriteImageAsync(image, new WriteImageOptions { SkipBackup = true }, Ct));
            Assert.Contains("replies, then silence", ex.Message + ex.InnerException?.Message, StringComparison.Ordinal);
        }
        port.Emulator.Reset();
        await using (var session = await port.ConnectAsync(cancellationToken: Ct))
        {
            await session.WriteImageAsync(image, new WriteImageOptions { SkipBackup = true }, Ct);
        }
        await AssertFlashHoldsAsync(port, chip, image);
    }
}
