using System.Security.Cryptography;
using OpenBekenHub.Flashing.Errors;
using OpenBekenHub.Flashing.Operations;
using OpenBekenHub.Flashing.Progress;
using OpenBekenHub.Provisioning.Chips;
using OpenBekenHub.Provisioning.Identity;

namespace OpenBekenHub.Configs;

public sealed record StockRestoreResult(string Chip, uint Start, uint Length, int RegionsWritten, int RegionsMatched, string? SafetyBackup, double Seconds);

/// <summary>
/// Return to stock: writes a full-flash stock backup back over serial through <see cref="FlashSession"/> (so the same
/// backup-before-erase rule, differential plan, per-region CRC verification and retries as any flash), from 0x11000 to
/// the end (app, OTA, Tuya storage, RF), the bootloader only when asked. Refused before any erase when the backup is
/// not a whole flash of this chip, is damaged, or belongs to another plug (another MAC in its RF sector).
/// </summary>
public static class StockRestore
{
    /// <summary>Checks <paramref name="stock"/> against the connected chip; returns where writing starts.</summary>
    public static uint Check(byte[] stock, BackupManifest? manifest, BkDeviceInfo info, uint flashSize, bool includeBootloader)
    {
        ArgumentNullException.ThrowIfNull(stock);
        ArgumentNullException.ThrowIfNull(info);
        if (stock.Length != flashSize)
        {
            throw new ImageRejectedException($"The backup is {stock.Length:N0} bytes; this chip's flash is {flashSize:N0}.",
                "Only a full-flash backup (taken by the hub before flashing) can return a plug to stock.");
        }
        if (manifest is not null)
        {
            if (!string.Equals(manifest.Chip, info.Chip.Id, StringComparison.OrdinalIgnoreCase))
            {
                throw new ChipMismatchException($"The backup was read from a {manifest.Chip}; this chip is a {info.Chip.Name}.", "Use the backup of this plug.");
            }
            if (!string.Equals(manifest.Sha256, Convert.ToHexStringLower(SHA256.HashData(stock)), StringComparison.OrdinalIgnoreCase))
            {
                throw new ImageRejectedException("The backup file does not match the SHA-256 in its sidecar: it is damaged.", "Use another copy of the backup.");
            }
        }
        var chip = ObkChips.Find(info.Chip.Name);
        var stockMac = chip is null ? null : RfMac.ReadFromFlash(stock, chip);
        if (stockMac is { } mac && MacAddress.TryParse(info.MacAddress, out var here) && mac != here)
        {
            throw new ImageRejectedException($"The backup belongs to the plug with MAC {mac}; this one is {here}.",
                "Writing it would give this plug another plug's MAC and RF calibration. Use this plug's own backup.");
        }
        return includeBootloader ? 0 : info.Chip.BootloaderSize;
    }

    /// <summary>Checks, writes (with a safety backup of the current flash first), verifies by CRC, reboots.</summary>
    public static async Task<StockRestoreResult> RunAsync(FlashSession session, byte[] stock, BackupManifest? manifest, bool includeBootloader,
        string backupDirectory, IProgress<FlashProgress>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(stock);
        var start = Check(stock, manifest, session.Info, session.Loader.FlashSize, includeBootloader);
        var data = stock.AsSpan((int)start).ToArray();
        var written = await session.WriteRegionAsync(start, data, new WriteImageOptions
        {
            BackupDirectory = backupDirectory,
            AllowBootloader = includeBootloader,
            Differential = true,
        }, ct);
        ProgressTracker.Message(progress, FlashPhase.Verifying, "Comparing the whole flash with the stock backup (chip CRC per 64 KiB)");
        var verify = await session.VerifyRegionAsync(start, data, ct);
        if (!verify.Matches)
        {
            throw new CrcMismatchException($"After writing, {verify.Different.Count} region(s) still differ from the stock backup: {string.Join(", ", verify.Different.Take(5))}.");
        }
        await session.RebootAsync(ct);
        return new StockRestoreResult(session.Chip.Name, start, (uint)data.Length, written.Written.Count, written.Skipped.Count, written.Backup?.Path, written.Elapsed.TotalSeconds);
    }
}
