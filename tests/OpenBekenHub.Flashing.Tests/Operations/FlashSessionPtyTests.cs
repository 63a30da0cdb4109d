using System.Text.Json;
using OpenBekenHub.Flashing.Chips;
using OpenBekenHub.Flashing.Errors;
using OpenBekenHub.Flashing.Operations;
using OpenBekenHub.Flashing.Tests.Support;
using OpenBekenHub.Simulators.Bootloader;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Flashing.Tests.Operations;

/// <summary>The whole flasher against the bootloader emulator over a real pty through System.IO.Ports.</summary>
public sealed class FlashSessionPtyTests
{
    private readonly CancellationToken Ct = new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token;

    [Theory]
    [InlineData(EmulatedChip.Bk7231T)]
    [InlineData(EmulatedChip.Bk7231N)]
    public async Task Catches_the_bootloader_after_a_late_reset_and_identifies_the_chip(EmulatedChip chip)
    {
        await using var port = await EmulatedPort.StartAsync(chip, o => o.LinkCheckDelay = TimeSpan.FromSeconds(1.5));
        await using var session = await port.ConnectAsync(cancellationToken: Ct);

        var info = session.Info;
        if (chip == EmulatedChip.Bk7231T)
        {
            Assert.Same(Bk7231T.Instance, info.Chip);
            Assert.False(info.CrcEndInclusive);
            Assert.Equal("BK7231S_1.0.5", info.BootloaderVersion);
            Assert.Equal(0xBA54C1B8u, info.BootloaderFingerprint);
        }
        else
        {
            Assert.Same(Bk7231N.Instance, info.Chip);
            Assert.True(info.CrcEndInclusive);
            Assert.Equal(0x7231Cu, info.ChipIdRegister);
            Assert.Equal("TH25Q16HB", info.Flash?.Name);
            Assert.True(info.Protected);
        }
        Assert.Equal(0x200000u, info.FlashSize);
        Assert.Equal(921_600, info.BaudRate);
    }

    [Theory]
    [InlineData(EmulatedChip.Bk7231T)]
    [InlineData(EmulatedChip.Bk7231N)]
    public async Task A_full_backup_equals_the_flash_byte_for_byte_and_has_a_sidecar(EmulatedChip chip)
    {
        using var dir = new TempDir("backup");
        await using var port = await EmulatedPort.StartAsync(chip, o => o.InitialImage = SeededFlash(chip));
        await using var session = await port.ConnectAsync(cancellationToken: Ct);

        var backup = await session.BackupAsync(dir.Path, Ct);

        Assert.Equal(port.Emulator.Flash.Snapshot(), await File.ReadAllBytesAsync(backup.Path, Ct));
        Assert.Matches($"^{session.Chip.Id}_(?:[0-9a-f]{{6}}|unknown)_\\d{{8}}-\\d{{6}}\\.bin$", Path.GetFileName(backup.Path));
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(backup.ManifestPath, Ct));
        Assert.Equal(session.Chip.Id, json.RootElement.GetProperty("chip").GetString());
        Assert.Equal(0x200000, json.RootElement.GetProperty("size").GetInt32());
        Assert.Equal(backup.Manifest.Sha256, json.RootElement.GetProperty("sha256").GetString());
        Assert.Equal(port.HostPath, json.RootElement.GetProperty("port").GetString());
        Assert.Equal(921600, json.RootElement.GetProperty("baud").GetInt32());
    }

    [Fact]
    public async Task BK7231T_UA_write_at_0x11000_verifies_keeps_the_bootloader_and_reflashes_differentially()
    {
        using var dir = new TempDir("backup");
        await using var port = await EmulatedPort.StartAsync(EmulatedChip.Bk7231T);
        var before = port.Emulator.Flash.Snapshot();
        var ua = TestImages.UaOfSize(300_000);
        await using (var session = await port.ConnectAsync(cancellationToken: Ct))
        {
            var result = await session.WriteImageAsync(ua, new WriteImageOptions { BackupDirectory = dir.Path }, Ct);
            Assert.NotNull(result.Backup);
            Assert.Equal(before, result.Backup.Data);
            Assert.NotEmpty(result.Written);
            Assert.True((await session.VerifyAsync(ua, cancellationToken: Ct)).Matches);
        }
        var flash = port.Emulator.Flash.Snapshot();
        Assert.Equal(ua, flash.AsSpan(0x11000, ua.Length).ToArray());
        Assert.Equal(before.AsSpan(0, 0x11000).ToArray(), flash.AsSpan(0, 0x11000).ToArray());

        var erasesBefore = port.Emulator.Flash.Erases;
        await using (var again = await port.ConnectAsync(cancellationToken: Ct))
        {
            var second = await again.WriteImageAsync(ua, new WriteImageOptions { BackupDirectory = dir.Path }, Ct);
            Assert.True(second.NothingToDo);
            Assert.Null(second.Backup); // nothing to erase, so no backup was needed
        }
        Assert.Equal(erasesBefore, port.Emulator.Flash.Erases);
    }

    [Fact]
    public async Task BK7231N_QIO_write_at_0_unprotects_writes_verifies_and_restores_protection()
    {
        await using var port = await EmulatedPort.StartAsync(EmulatedChip.Bk7231N);
        var qio = TestImages.Qio(EmulatedChip.Bk7231N, 12_000);
        var reports = new List<OpenBekenHub.Flashing.Progress.FlashProgress>();
        var progress = new SyncProgress(reports);
        await using var session = await FlashSession.OpenSerialAsync(port.HostPath, EmulatedPort.SessionOptions(), progress, cancellationToken: Ct);

        var result = await session.WriteImageAsync(qio, new WriteImageOptions { SkipBackup = true }, Ct);

        lock (reports)
        {
            var writing = reports.Where(r => r.Phase == OpenBekenHub.Flashing.Progress.FlashPhase.Writing && r.BytesTotal > 0).ToList();
            Assert.NotEmpty(writing);
            Assert.Equal(writing[^1].BytesTotal, writing[^1].BytesDone);
            Assert.Contains(reports, r => r.Phase == OpenBekenHub.Flashing.Progress.FlashPhase.Unprotecting);
        }
        Assert.True(result.StatusRegisterWritten);
        Assert.Equal(0u, result.Offset);
        Assert.Equal(qio, port.Emulator.Flash.Snapshot().AsSpan(0, qio.Length).ToArray());
        Assert.Equal(0x001C, port.Emulator.Flash.StatusRegister & 0x407C);
        Assert.True((await session.VerifyAsync(qio, cancellationToken: Ct)).Matches);

        await session.RebootAsync(Ct);
        await Eventually.TrueAsync(() => port.Emulator.RunningApp, TimeSpan.FromSeconds(5), "the chip left download mode");
    }

    private sealed class SyncProgress(List<OpenBekenHub.Flashing.Progress.FlashProgress> sink) : IProgress<OpenBekenHub.Flashing.Progress.FlashProgress>
    {
        public void Report(OpenBekenHub.Flashing.Progress.FlashProgress value)
        {
            lock (sink)
            {
                sink.Add(value);
            }
        }
    }

    [Theory]
    [InlineData(EmulatedChip.Bk7231T)]
    [InlineData(EmulatedChip.Bk7231N)]
    public async Task Writes_the_OpenBeken_config_sector_in_the_same_connection(EmulatedChip chip)
    {
        await using var port = await EmulatedPort.StartAsync(chip);
        await using var session = await port.ConnectAsync(cancellationToken: Ct);
        var config = new byte[0x1000];
        "CFG"u8.CopyTo(config);
        new Random(3).NextBytes(config.AsSpan(4, 2000));

        await session.WriteRegionAsync(session.Chip.ConfigOffset, config, new WriteImageOptions { SkipBackup = true }, Ct);

        Assert.Equal(chip == EmulatedChip.Bk7231T ? 0x1E1000u : 0x1D1000u, session.Chip.ConfigOffset);
        Assert.Equal(config, port.Emulator.Flash.Snapshot().AsSpan((int)session.Chip.ConfigOffset, 0x1000).ToArray());
    }

    [Fact]
    public async Task No_erase_starts_without_a_backup_unless_the_caller_opts_out()
    {
        await using var port = await EmulatedPort.StartAsync(EmulatedChip.Bk7231T);
        await using var session = await port.ConnectAsync(cancellationToken: Ct);

        await Assert.ThrowsAsync<BackupRequiredException>(() => session.WriteImageAsync(TestImages.UaOfSize(100_000), cancellationToken: Ct));
        Assert.Equal(0, port.Emulator.Flash.Erases);
    }

    [Fact]
    public async Task An_image_for_the_other_chip_is_refused_before_any_erase()
    {
        await using var port = await EmulatedPort.StartAsync(EmulatedChip.Bk7231T);
        await using var session = await port.ConnectAsync(cancellationToken: Ct);

        var ex = await Assert.ThrowsAsync<ChipMismatchException>(() =>
            session.WriteImageAsync(TestImages.Qio(EmulatedChip.Bk7231N, 1000), new WriteImageOptions { SkipBackup = true }, Ct));
        Assert.Contains("BK7231N QIO image", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ImageRejectedException>(() =>
            session.WriteRegionAsync(0x1000, new byte[0x1000], new WriteImageOptions { SkipBackup = true }, Ct));
        Assert.Equal(0, port.Emulator.Flash.Erases);
    }

    [Fact]
    public async Task The_users_chip_guess_is_checked_against_the_chip()
    {
        await using var port = await EmulatedPort.StartAsync(EmulatedChip.Bk7231N);
        var options = EmulatedPort.SessionOptions();
        options.ExpectedChip = Bk7231T.Instance;

        var ex = await Assert.ThrowsAsync<ChipMismatchException>(() => port.ConnectAsync(options, Ct));
        Assert.Contains("answers as BK7231N", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DTR_RTS_reset_is_best_effort_on_a_pty()
    {
        await using var port = await EmulatedPort.StartAsync(EmulatedChip.Bk7231N);
        var options = EmulatedPort.SessionOptions();
        options.ResetStrategy = new OpenBekenHub.Flashing.Transport.DtrRtsReset(TimeSpan.FromMilliseconds(20));
        await using var session = await port.ConnectAsync(options, Ct);
        Assert.Same(Bk7231N.Instance, session.Chip);
    }

    internal static byte[] SeededFlash(EmulatedChip chip)
    {
        var flash = SyntheticBootloader.BuildFlash(chip, 0x200000);
        var random = new Random(42);
        random.NextBytes(flash.AsSpan(0x11000, 0x80000));
        random.NextBytes(flash.AsSpan(0x1E0000, 0x3000));
        return flash;
    }
}
