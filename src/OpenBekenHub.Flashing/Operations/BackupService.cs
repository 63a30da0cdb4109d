using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenBekenHub.Flashing.Errors;
using OpenBekenHub.Flashing.Progress;
using OpenBekenHub.Flashing.Protocol;

namespace OpenBekenHub.Flashing.Operations;

/// <summary>JSON sidecar written next to every backup.</summary>
public sealed record BackupManifest(
    string Chip,
    string FlashId,
    uint Size,
    string Sha256,
    string Crc32,
    string BootloaderCrc,
    DateTimeOffset Date,
    string Port,
    int Baud,
    string File,
    string VerifiedBy);

public sealed record BackupResult(string Path, string ManifestPath, BackupManifest Manifest, byte[] Data);

/// <summary>
/// Reads flash ranges and verifies every 64 KiB window with the bootloader's own CRC (a garbled window is read again),
/// and saves full backups as <c>&lt;chip&gt;_&lt;flashid&gt;_&lt;yyyyMMdd-HHmmss&gt;.bin</c> plus a JSON sidecar.
/// </summary>
public sealed class BackupService(BkLoader loader, ILogger? logger = null)
{
    public const uint VerifyWindow = 0x10000;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>Attempts to read one window until its CRC matches the chip's.</summary>
    public int WindowAttempts { get; init; } = 3;

    /// <summary>Reads [start, start+length) (4 KiB aligned), every window verified by the chip's CRC.</summary>
    public async Task<byte[]> ReadVerifiedAsync(uint start, uint length, IProgress<FlashProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (start % 0x1000 != 0 || length % 0x1000 != 0 || length == 0)
        {
            throw new ArgumentException($"read range 0x{start:X}+0x{length:X} must be 4 KiB aligned and non-empty");
        }
        var data = new byte[length];
        var tracker = new ProgressTracker(progress, FlashPhase.Reading, length, $"Reading 0x{start:X}-0x{start + length:X}");
        foreach (var window in FlashPlanner.Split(start, length))
        {
            var offset = (int)(window.Address - start);
            for (var attempt = 1; ; attempt++)
            {
                for (uint a = 0; a < window.Length; a += 0x1000)
                {
                    var sector = await loader.Read4KAsync(window.Address + a, cancellationToken).ConfigureAwait(false);
                    sector.CopyTo(data, offset + (int)a);
                    tracker.Advance(0x1000);
                }
                var chip = await loader.CrcAsync(window.Address, window.Length, cancellationToken).ConfigureAwait(false);
                var local = BkCrc32.Compute(data.AsSpan(offset, (int)window.Length));
                if (chip == local)
                {
                    break;
                }
                _logger.LogWarning("Read of {Window} does not match the chip's CRC (0x{Chip:X8} vs 0x{Local:X8}), attempt {Attempt}", window, chip, local, attempt);
                tracker.Advance(-(long)window.Length);
                if (attempt >= WindowAttempts)
                {
                    throw new CrcMismatchException($"Reading {window} gave different data {WindowAttempts} times (chip CRC 0x{chip:X8}, read 0x{local:X8}).",
                        "The line is noisy: lower the baud rate and check the wiring and the supply.");
                }
            }
        }
        return data;
    }

    /// <summary>Full-flash backup into <paramref name="directory"/>, verified by the chip's CRC.</summary>
    public async Task<BackupResult> BackupAsync(string directory, string flashIdHex, IProgress<FlashProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var chip = loader.Chip ?? throw new InvalidOperationException("identify the chip before a backup");
        var size = loader.FlashSize;
        var data = await ReadVerifiedAsync(0, size, progress, cancellationToken).ConfigureAwait(false);
        if (!data.AsSpan().ContainsAnyExcept((byte)0xFF) || !data.AsSpan().ContainsAnyExcept((byte)0x00))
        {
            throw new FlashException($"The backup reads as all 0x{data[0]:X2}: the flash is blank or reads are disabled.",
                "Check the chip type and wiring; a real module never reads entirely blank.", FlashExitCodes.General);
        }
        return await SaveAsync(directory, chip.Id, flashIdHex, data, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes <paramref name="data"/> and its sidecar under the standard backup name; used by <see cref="BackupAsync"/>.</summary>
    public Task<BackupResult> SaveAsync(string directory, string chipId, string flashIdHex, byte[] data, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        var stamp = DateTimeOffset.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var baseName = $"{chipId}_{flashIdHex.ToLowerInvariant()}_{stamp}";
        var path = Path.Combine(directory, baseName + ".bin");
        for (var i = 2; File.Exists(path); i++)
        {
            path = Path.Combine(directory, $"{baseName}-{i}.bin");
        }
        return SaveAsAsync(path, chipId, flashIdHex, data, cancellationToken);
    }

    /// <summary>Writes <paramref name="data"/> to <paramref name="path"/> with a JSON sidecar next to it.</summary>
    public async Task<BackupResult> SaveAsAsync(string path, string chipId, string flashIdHex, byte[] data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var now = DateTimeOffset.Now;
        var manifest = new BackupManifest(
            chipId,
            flashIdHex,
            (uint)data.Length,
            Convert.ToHexStringLower(SHA256.HashData(data)),
            BkCrc32.Standard(data).ToString("x8", CultureInfo.InvariantCulture),
            BkCrc32.Compute(data).ToString("x8", CultureInfo.InvariantCulture),
            now,
            loader.Link.Description,
            loader.Link.BaudRate,
            Path.GetFileName(path),
            $"bootloader CheckCRC per {VerifyWindow / 1024} KiB window");
        var temp = path + ".part";
        // a backup holds the plug's Wi-Fi and MQTT secrets: owner-only from the first byte (0600)
        File.Delete(temp);
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.Asynchronous };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        await using (var file = new FileStream(temp, create))
        {
            await file.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        }
        File.Move(temp, path);
        var manifestPath = Path.ChangeExtension(path, ".json");
        await File.WriteAllTextAsync(manifestPath, JsonSerializer.Serialize(manifest, Json), cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Backup saved to {Path} ({Size} bytes, sha256 {Sha})", path, data.Length, manifest.Sha256);
        return new BackupResult(path, manifestPath, manifest, data);
    }
}
