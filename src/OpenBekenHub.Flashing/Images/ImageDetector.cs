using System.Globalization;
using OpenBekenHub.Flashing.Chips;
using OpenBekenHub.Flashing.Protocol;

namespace OpenBekenHub.Flashing.Images;

/// <summary>
/// Recognises UA, QIO and OTA (RBL/UG) files and refuses what does not fit, before any port is opened:
/// empty, random, truncated, bad CRC16 blocks, oversized for the app partition, wrong chip, and any write into the
/// flash-bootloader region of T/U/BK7252 without an explicit allow.
/// </summary>
public static class ImageDetector
{
    /// <summary>First 8 bytes of an encrypted OpenBeken/Tuya app (UA) block.</summary>
    public static ReadOnlySpan<byte> UaMagic => [0x2F, 0x07, 0xB5, 0x94, 0x35, 0xFF, 0x2A, 0x9B];

    private static ReadOnlySpan<byte> RawArmMagic => [0x0E, 0x00, 0x00, 0xEA, 0x14, 0xF0, 0x9F, 0xE5];

    private const uint AppOffset = 0x11000;

    private static string Fits(BkChip? chip) => chip switch
    {
        null => "OpenBK7231T_UA_<version>.bin (BK7231T, written at 0x11000) or OpenBK7231N_QIO_<version>.bin (BK7231N, written at 0x0)",
        { PreferredImage: ImageKind.UaApp } => $"{chip.ReleasePrefix}_UA_<version>.bin (written at 0x11000, at most {Size(chip.AppPartitionSize)})",
        _ => $"{chip.ReleasePrefix}_QIO_<version>.bin (written at 0x0) or {chip.ReleasePrefix}_UA_<version>.bin (at 0x11000, at most {Size(chip.AppPartitionSize)})",
    };

    /// <summary>
    /// Detects <paramref name="data"/>. <paramref name="chip"/> is the connected or requested chip (null = auto);
    /// <paramref name="fileName"/> is used as a hint (OpenBeken names files after the chip).
    /// </summary>
    public static ImageDetection Detect(ReadOnlySpan<byte> data, BkChip? chip, bool allowBootloader = false, string? fileName = null, uint flashSize = 0x200000)
    {
        var named = ChipRegistry.FromFileName(fileName);
        if (data.IsEmpty)
        {
            return Reject(ImageKind.Unknown, chip, "The file is empty (0 bytes).", $"Download {Fits(chip)}.");
        }
        if (data.Length >= 4 && data[..4].SequenceEqual("RBL\0"u8))
        {
            return Reject(ImageKind.RblOrUg, chip, "This is an RBL OTA package (for OpenBeken's web OTA), not a serial-flash image.",
                $"For serial flashing use {Fits(chip ?? named)}; keep the .rbl for OTA updates.");
        }
        if (data.Length >= 4 && data[..4].SequenceEqual((ReadOnlySpan<byte>)[0x55, 0xAA, 0x55, 0xAA]))
        {
            return Reject(ImageKind.RblOrUg, chip, "This is a Tuya 'UG' OTA package, not a serial-flash image.",
                $"For serial flashing use {Fits(chip ?? named)}.");
        }
        if (data.Length >= 8 && data[..8].SequenceEqual(RawArmMagic))
        {
            return Reject(ImageKind.Unknown, chip, "This is a raw, unencrypted app binary (not packaged with CRC16 blocks); the bootloader would not boot it.",
                $"Use the packaged {Fits(chip ?? named)}.");
        }
        if (data.Length >= 8 && data[..8].SequenceEqual(UaMagic))
        {
            return DetectUa(data, chip, named);
        }
        var looksQio = data.Length >= AppOffset + 8 && data.Slice((int)AppOffset, 8).SequenceEqual(UaMagic);
        if (looksQio)
        {
            return DetectQio(data, chip, named, allowBootloader, flashSize);
        }
        if (data.Length >= AppOffset && data.Length < AppOffset + 8 && BootloaderChip(data) is not null)
        {
            return Reject(ImageKind.QioFull, chip, $"This looks like a QIO image cut short: {Size((uint)data.Length)}, it ends inside the bootloader region before the app at 0x11000.",
                $"Download the file again; expected {Fits(chip ?? named)}.");
        }
        return Reject(ImageKind.Unknown, chip,
            $"Not a BK7231 image: {Size((uint)data.Length)} without a UA header (2F 07 B5 94...) at 0x0 or 0x11000 and without an RBL/UG header.",
            $"Expected {Fits(chip ?? named)}.");
    }

    private static ImageDetection DetectUa(ReadOnlySpan<byte> data, BkChip? chip, BkChip? named)
    {
        var length = (uint)data.Length;
        if (chip is not null && named is not null && named != chip)
        {
            return new ImageDetection(ImageKind.UaApp, ImageVerdict.WrongChip, named, AppOffset, 0, data.Length,
                $"The file name says {named.Name} but the chip is {chip.Name}; {named.Name} code does not run on {chip.Name}.",
                $"Use {Fits(chip)}.");
        }
        var bad = Crc16Cms.FirstBadBlock(data);
        if (bad >= 0)
        {
            return Reject(ImageKind.UaApp, chip, $"UA image is corrupted: CRC16 block #{bad} at file offset 0x{bad * Crc16Cms.BlockSize:X} does not check.",
                $"Download the file again; expected {Fits(chip ?? named)}.");
        }
        if (length % Crc16Cms.BlockSize != 0)
        {
            return Reject(ImageKind.UaApp, chip, $"UA image is truncated: {Size(length)} ends {length % Crc16Cms.BlockSize} bytes into a 34-byte CRC16 block.",
                $"Download the file again; expected {Fits(chip ?? named)}.");
        }
        var target = chip ?? named;
        var limit = target?.AppPartitionSize ?? ChipRegistry.All.Max(c => c.AppPartitionSize);
        if (length > limit)
        {
            var where = target is null ? "the largest BK7231 app partition" : $"the {target.Name} app partition (0x11000-0x{AppOffset + limit:X})";
            return Reject(ImageKind.UaApp, target, $"UA image is too big: {Size(length)}, but {where} holds {Size(limit)}. It was built for another flash layout.",
                $"Use {Fits(target)}.");
        }
        var forWhom = target is null ? "BK7231T/U/BK7252 app partition (or BK7231N at 0x11000)" : $"{target.Name} app partition";
        return new ImageDetection(ImageKind.UaApp, ImageVerdict.Accepted, target, AppOffset, 0, data.Length,
            $"UA app image, {Size(length)}, for the {forWhom} at 0x11000.");
    }

    private static ImageDetection DetectQio(ReadOnlySpan<byte> data, BkChip? chip, BkChip? named, bool allowBootloader, uint flashSize)
    {
        var length = (uint)data.Length;
        var fullDump = length == flashSize;
        var byBootloader = BootloaderChip(data);
        var byLength = ChipRegistry.All.FirstOrDefault(c => c.QioImageLength == length);
        var imageChip = byBootloader ?? byLength ?? named;
        var how = byBootloader is not null ? "bootloader fingerprint" : byLength is not null ? "QIO length" : named is not null ? "file name" : "";
        if (chip is not null && imageChip is not null && imageChip != chip)
        {
            return new ImageDetection(ImageKind.QioFull, ImageVerdict.WrongChip, imageChip, 0, 0, data.Length,
                $"This is a {imageChip.Name} QIO image (by {how}) but the chip is {chip.Name}; it would not boot there.",
                $"Use {Fits(chip)}.");
        }
        var target = chip ?? imageChip;
        if (length > flashSize)
        {
            return Reject(ImageKind.QioFull, target, $"QIO image is {Size(length)}, larger than the {Size(flashSize)} flash.", $"Use {Fits(target)}.");
        }
        var appEnd = (int)Math.Min(length, AppOffset + (target?.AppPartitionSize ?? 0x121000));
        var app = data[(int)AppOffset..appEnd];
        var bad = Crc16Cms.FirstBadBlock(app);
        if (bad >= 0)
        {
            return Reject(ImageKind.QioFull, target, $"QIO image is corrupted: app CRC16 block #{bad} at file offset 0x{AppOffset + bad * Crc16Cms.BlockSize:X} does not check.",
                $"Download the file again; expected {Fits(target)}.");
        }
        if (!fullDump && (length - AppOffset) % Crc16Cms.BlockSize != 0 && target?.QioImageLength != length)
        {
            return Reject(ImageKind.QioFull, target, $"QIO image is truncated: {Size(length)} ends {(length - AppOffset) % Crc16Cms.BlockSize} bytes into a 34-byte CRC16 block.",
                $"Download the file again; expected {Fits(target)}.");
        }
        var what = fullDump ? "Full flash dump" : "QIO image";
        var chipText = target is null ? "chip not identified from the file" : $"{target.Name}{(how.Length > 0 ? $" by {how}" : "")}";
        if (target is null || target.BootloaderIsInFlashOnly)
        {
            if (allowBootloader && target is not null)
            {
                return new ImageDetection(ImageKind.QioFull, ImageVerdict.Accepted, target, 0, 0, data.Length,
                    $"{what}, {Size(length)} ({chipText}); the bootloader region WILL be overwritten (--allow-bootloader).");
            }
            // The bootloader region of flash-bootloader chips is never written by default: skip it, as BK7231GUIFlashTool does.
            return new ImageDetection(ImageKind.QioFull, ImageVerdict.Accepted, target, AppOffset, AppOffset, data.Length - (int)AppOffset,
                $"{what}, {Size(length)} ({chipText}); the bootloader part (0x0-0x11000) is skipped, {Size(length - AppOffset)} written from 0x11000.");
        }
        return new ImageDetection(ImageKind.QioFull, ImageVerdict.Accepted, target, 0, 0, data.Length,
            $"{what}, {Size(length)} ({chipText}), written at 0x0.");
    }

    /// <summary>Chip whose known bootloader matches the first 256 (exclusive CRC) or 257 (inclusive) bytes.</summary>
    public static BkChip? BootloaderChip(ReadOnlySpan<byte> data)
    {
        if (data.Length < 257)
        {
            return null;
        }
        return (ChipRegistry.ByBootloaderFingerprint(BkCrc32.Standard(data[..256]))
            ?? ChipRegistry.ByBootloaderFingerprint(BkCrc32.Standard(data[..257])))?.Chip;
    }

    private static ImageDetection Reject(ImageKind kind, BkChip? chip, string reason, string hint) =>
        new(kind, ImageVerdict.Rejected, chip, 0, 0, 0, reason, hint);

    internal static string Size(uint bytes) =>
        string.Create(CultureInfo.InvariantCulture, $"{bytes:N0} bytes (0x{bytes:X})");
}
