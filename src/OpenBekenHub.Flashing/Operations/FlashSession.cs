using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenBekenHub.Flashing.Chips;
using OpenBekenHub.Flashing.Errors;
using OpenBekenHub.Flashing.Images;
using OpenBekenHub.Flashing.Progress;
using OpenBekenHub.Flashing.Protocol;
using OpenBekenHub.Flashing.Transport;

namespace OpenBekenHub.Flashing.Operations;

/// <summary>How to connect.</summary>
public sealed class FlashSessionOptions
{
    /// <summary>Line rate after linking at 115200 (falls back step by step if it does not hold).</summary>
    public int BaudRate { get; set; } = 921_600;

    /// <summary>The chip the caller expects; null = auto. A different answering chip is an error.</summary>
    public BkChip? ExpectedChip { get; set; }

    public IResetStrategy ResetStrategy { get; set; } = ManualCenReset.Instance;

    public BkLoaderOptions Loader { get; set; } = new();

    /// <summary>Read the RF sector for the MAC during identification.</summary>
    public bool ReadMac { get; set; } = true;
}

/// <summary>Options of one image write.</summary>
public sealed class WriteImageOptions
{
    /// <summary>Skip regions whose CRC already matches (default on).</summary>
    public bool Differential { get; set; } = true;

    /// <summary>Directory for the automatic full backup taken before the first erase. Null with <see cref="SkipBackup"/> false = refuse.</summary>
    public string? BackupDirectory { get; set; }

    /// <summary>Explicit opt-out of the backup-before-erase rule.</summary>
    public bool SkipBackup { get; set; }

    /// <summary>Allow writing below 0x11000 on flash-bootloader chips (T/U/BK7252). Bricks the chip if the image is wrong.</summary>
    public bool AllowBootloader { get; set; }

    /// <summary>Original file name, used as a chip hint by the detector.</summary>
    public string? FileName { get; set; }

    /// <summary>Restore the flash protect bits (N) after writing.</summary>
    public bool Reprotect { get; set; } = true;

    /// <summary>Send Reboot at the end.</summary>
    public bool Reboot { get; set; }
}

public sealed record WriteResult(ImageDetection? Image, uint Offset, int Length, IReadOnlyList<FlashRegion> Written, IReadOnlyList<FlashRegion> Skipped,
    BackupResult? Backup, bool StatusRegisterWritten, TimeSpan Elapsed, string PlanBasis)
{
    public bool NothingToDo => Written.Count == 0;
}

public sealed record VerifyResult(uint Offset, int Length, IReadOnlyList<FlashRegion> Matching, IReadOnlyList<FlashRegion> Different)
{
    public bool Matches => Different.Count == 0;
}

/// <summary>
/// The facade the host calls: one connection to one chip. Connect (catch + baud + identify), info, backup, write an image
/// or a raw region (e.g. the OpenBeken config sector), verify, reboot. Refuses images before touching the flash and
/// never erases before a verified backup exists unless the caller opts out.
/// </summary>
public sealed class FlashSession : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly IProgress<FlashProgress>? _progress;
    private readonly bool _ownsLink;
    private byte[]? _knownFlash;

    private FlashSession(BkLoader loader, BkDeviceInfo info, IProgress<FlashProgress>? progress, ILogger logger, bool ownsLink)
    {
        Loader = loader;
        Info = info;
        _progress = progress;
        _logger = logger;
        _ownsLink = ownsLink;
    }

    public BkLoader Loader { get; }

    public BkDeviceInfo Info { get; private set; }

    public BkChip Chip => Info.Chip;

    /// <summary>The last verified full backup taken in this session.</summary>
    public BackupResult? Backup { get; private set; }

    /// <summary>Opens a serial port and connects.</summary>
    public static async Task<FlashSession> OpenSerialAsync(string portName, FlashSessionOptions? options = null, IProgress<FlashProgress>? progress = null,
        ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        var link = SerialPortLink.Open(portName);
        try
        {
            return await ConnectAsync(link, options, progress, logger, ownsLink: true, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await link.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Catches the bootloader on <paramref name="link"/>, switches baud and identifies the chip.</summary>
    public static async Task<FlashSession> ConnectAsync(IBkLink link, FlashSessionOptions? options = null, IProgress<FlashProgress>? progress = null,
        ILogger? logger = null, bool ownsLink = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(link);
        options ??= new FlashSessionOptions();
        logger ??= NullLogger.Instance;
        var loader = new BkLoader(link, options.Loader, logger);
        if (link.BaudRate != 115200)
        {
            await link.SetBaudRateAsync(115200, cancellationToken).ConfigureAwait(false);
        }
        await loader.CatchAsync(options.ResetStrategy, progress, cancellationToken).ConfigureAwait(false);
        ProgressTracker.Message(progress, FlashPhase.SettingBaud, $"Linked; switching to {options.BaudRate} baud");
        var baud = await loader.SetBaudRateAsync(options.BaudRate, cancellationToken).ConfigureAwait(false);
        ProgressTracker.Message(progress, FlashPhase.Identifying, $"Identifying the chip at {baud} baud");
        var info = await loader.IdentifyAsync(options.ExpectedChip, options.ReadMac, cancellationToken).ConfigureAwait(false);
        return new FlashSession(loader, info, progress, logger, ownsLink);
    }

    /// <summary>Re-reads chip, flash id and protection.</summary>
    public async Task<BkDeviceInfo> ReadInfoAsync(CancellationToken cancellationToken = default)
    {
        Info = await Loader.IdentifyAsync(Info.Chip, readMac: true, cancellationToken).ConfigureAwait(false);
        return Info;
    }

    /// <summary>Reads a range (4 KiB aligned), verified by the chip's CRC.</summary>
    public Task<byte[]> ReadAsync(uint start, uint length, CancellationToken cancellationToken = default) =>
        new BackupService(Loader, _logger).ReadVerifiedAsync(start, length, _progress, cancellationToken);

    /// <summary>Full verified backup into <paramref name="directory"/>.</summary>
    public async Task<BackupResult> BackupAsync(string directory, CancellationToken cancellationToken = default)
    {
        var result = await new BackupService(Loader, _logger).BackupAsync(directory, Info.FlashIdHex, _progress, cancellationToken).ConfigureAwait(false);
        Backup = result;
        _knownFlash = (byte[])result.Data.Clone();
        return result;
    }

    /// <summary>Detects <paramref name="file"/> against the connected chip; refuses before any erase.</summary>
    public ImageDetection Detect(byte[] file, bool allowBootloader = false, string? fileName = null) =>
        ImageDetector.Detect(file, Chip, allowBootloader, fileName, Loader.FlashSize);

    /// <summary>Validates, (backs up), plans, unprotects, writes with verification and (optionally) reboots.</summary>
    public async Task<WriteResult> WriteImageAsync(byte[] file, WriteImageOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        options ??= new WriteImageOptions();
        var detection = Detect(file, options.AllowBootloader, options.FileName);
        detection.ThrowIfRejected();
        var result = await WriteCoreAsync(detection.Offset, detection.Payload(file), options, detection, cancellationToken).ConfigureAwait(false);
        if (options.Reboot)
        {
            await RebootAsync(cancellationToken).ConfigureAwait(false);
        }
        return result;
    }

    /// <summary>
    /// Writes raw <paramref name="data"/> at a 4 KiB-aligned <paramref name="address"/> in this connection (e.g. the
    /// OpenBeken config sector at <see cref="BkChip.ConfigOffset"/>). Same safety rules as an image write.
    /// </summary>
    public Task<WriteResult> WriteRegionAsync(uint address, byte[] data, WriteImageOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= new WriteImageOptions { SkipBackup = Backup is not null };
        if (address % 0x1000 != 0)
        {
            throw new ArgumentException($"region address 0x{address:X} is not 4 KiB aligned", nameof(address));
        }
        if (data.Length == 0 || address + (ulong)data.Length > Loader.FlashSize)
        {
            throw new ImageRejectedException($"Region 0x{address:X}+{data.Length} bytes does not fit the {Loader.FlashSize} byte flash.", "Check the address and length.");
        }
        return WriteCoreAsync(address, data, options, null, cancellationToken);
    }

    private async Task<WriteResult> WriteCoreAsync(uint offset, ReadOnlyMemory<byte> payload, WriteImageOptions options, ImageDetection? detection, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        if (offset + (ulong)payload.Length > Loader.FlashSize)
        {
            throw new ImageRejectedException($"0x{offset:X}+{payload.Length} bytes runs past the end of the {Loader.FlashSize} byte flash.", "Use an image made for this flash size.");
        }
        if (Chip.BootloaderIsInFlashOnly && offset < Chip.BootloaderSize && !options.AllowBootloader)
        {
            throw new ImageRejectedException($"Refusing to write at 0x{offset:X}: below 0x{Chip.BootloaderSize:X} is the {Chip.Name} bootloader.",
                "Write at 0x11000, or pass --allow-bootloader if you can recover over SPI.");
        }
        Loader.AllowBootloaderWrites = options.AllowBootloader;
        var image = FlashPlanner.PadToSectors(payload.Span);
        if (offset + (ulong)image.Length > Loader.FlashSize)
        {
            image = image.AsSpan(0, (int)(Loader.FlashSize - offset)).ToArray();
        }

        FlashPlan plan;
        if (options.Differential && _knownFlash is not null)
        {
            plan = FlashPlanner.FromKnownContent(image, offset, _knownFlash.AsSpan((int)offset));
        }
        else if (options.Differential)
        {
            plan = await FlashPlanner.FromChipCrcAsync(Loader, image, offset, _progress, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            plan = FlashPlanner.Full(offset, (uint)image.Length);
        }
        _logger.LogInformation("Plan ({Basis}): {Dirty} region(s) to write, {Clean} already match", plan.Basis, plan.Dirty.Count, plan.Clean.Count);
        if (plan.Dirty.Count == 0)
        {
            ProgressTracker.Message(_progress, FlashPhase.Done, "The flash already holds this image; nothing written.");
            return new WriteResult(detection, offset, payload.Length, [], plan.Clean, Backup, false, clock.Elapsed, plan.Basis);
        }

        if (Backup is null && !options.SkipBackup)
        {
            if (options.BackupDirectory is null)
            {
                throw new BackupRequiredException($"Refusing to erase {Chip.Name} flash without a verified backup.");
            }
            await BackupAsync(options.BackupDirectory, cancellationToken).ConfigureAwait(false);
        }

        var srWritten = false;
        uint? srBefore = null;
        if (Chip.NeedsUnprotect && Info.Flash is { } flash)
        {
            ProgressTracker.Message(_progress, FlashPhase.Unprotecting, $"Checking flash protection ({flash.Name})");
            var (before, written) = await Loader.SetProtectBitsAsync(flash, 0, cancellationToken).ConfigureAwait(false);
            srBefore = before;
            srWritten = written;
        }
        var writer = new SafeWriter(Loader, _logger);
        var result = await writer.WriteAsync(image, offset, plan, _progress, cancellationToken).ConfigureAwait(false);
        if (_knownFlash is not null)
        {
            image.CopyTo(_knownFlash, (int)offset);
        }
        if (options.Reprotect && srBefore is { } original && Info.Flash is { } f && (original & f.EffectiveMask) != 0)
        {
            var (_, written) = await Loader.SetProtectBitsAsync(f, original & f.EffectiveMask, cancellationToken).ConfigureAwait(false);
            srWritten |= written;
        }
        ProgressTracker.Message(_progress, FlashPhase.Done, $"Wrote and verified {result.Written.Count} region(s); {result.Skipped.Count} already matched.");
        return new WriteResult(detection, offset, payload.Length, result.Written, result.Skipped, Backup, srWritten, clock.Elapsed, plan.Basis);
    }

    /// <summary>Compares the flash with <paramref name="file"/> (as it would be written) using the chip's CRC per 64 KiB.</summary>
    public async Task<VerifyResult> VerifyAsync(byte[] file, string? fileName = null, bool allowBootloader = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        var detection = Detect(file, allowBootloader, fileName);
        detection.ThrowIfRejected();
        return await VerifyRegionAsync(detection.Offset, detection.Payload(file).ToArray(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Compares flash at <paramref name="address"/> with <paramref name="data"/> (padded with 0xFF to 4 KiB).</summary>
    public async Task<VerifyResult> VerifyRegionAsync(uint address, byte[] data, CancellationToken cancellationToken = default)
    {
        var image = FlashPlanner.PadToSectors(data);
        var plan = await FlashPlanner.FromChipCrcAsync(Loader, image, address, _progress, cancellationToken).ConfigureAwait(false);
        return new VerifyResult(address, data.Length, plan.Clean, plan.Dirty);
    }

    /// <summary>Leaves download mode and starts the app.</summary>
    public async Task RebootAsync(CancellationToken cancellationToken = default)
    {
        ProgressTracker.Message(_progress, FlashPhase.Rebooting, "Rebooting the chip");
        await Loader.RebootAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsLink)
        {
            await Loader.Link.DisposeAsync().ConfigureAwait(false);
        }
    }
}
