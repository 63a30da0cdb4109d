using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using OpenBekenHub.Flashing.Chips;
using OpenBekenHub.Flashing.Images;
using OpenBekenHub.Hosting;
using OpenBekenHub.Store;

namespace OpenBekenHub.Library;

/// <summary>How one file fits one chip.</summary>
public sealed record ChipFit(string Chip, bool Fits, string Reason);

public sealed record FirmwareEntry(
    string Id, string FileName, string Kind, string? Chip, long Size, string Sha256, string Verdict, DateTimeOffset Uploaded, IReadOnlyList<ChipFit> Fits)
{
    /// <summary>Kind of an OpenBeken OTA package (validated by <see cref="RblValidator"/>).</summary>
    public const string RblKind = "Rbl";

    /// <summary>OpenBeken version from the .rbl build literal (null for serial images).</summary>
    public string? Version { get; init; }

    /// <summary>Variant suffix (<c>berry</c>, <c>ALT</c>...), empty for the plain build.</summary>
    public string? Variant { get; init; }

    public bool IsOta => Kind == RblKind;

    public string Path(string directory) => System.IO.Path.Combine(directory, Id + ".bin");
}

/// <summary>The result of an upload: stored, or refused with the reason (and the entry it duplicates, if any).</summary>
public sealed record UploadResult(FirmwareEntry? Entry, string? Error, string? ExistingId = null);

/// <summary>
/// Uploaded firmware files, validated on the way in: serial images by <see cref="ImageDetector"/>, OTA packages
/// (<c>.rbl</c>) fully by <see cref="RblValidator"/>. A file that fits no supported chip, or one already in the
/// library (same SHA-256), is refused and never stored. Files live in &lt;data&gt;/firmware, named by id.
/// </summary>
public sealed class FirmwareLibrary(HubStore store, IOptions<HubOptions> options)
{
    /// <summary>Largest file accepted: a full 2 MiB flash image plus slack; anything bigger cannot be a firmware.</summary>
    public const long MaxUploadBytes = 4 * 1024 * 1024;

    private static readonly BkChip[] FlashableChips = [Bk7231T.Instance, Bk7231N.Instance];

    public string Directory => options.Value.FirmwareDirectory;

    /// <summary>Evaluations by SHA-256 and name: a stored file never changes, and evaluating an <c>.rbl</c> decrypts and unpacks it.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, IReadOnlyList<ChipFit>> _fits = new(StringComparer.Ordinal);

    /// <summary>Raised after a file was added or deleted (what "latest" means for a plug may have changed).</summary>
    public event Action? Changed;

    /// <summary>Evaluates a file against each supported chip, as the wizard and the library page show it.</summary>
    public static IReadOnlyList<ChipFit> Evaluate(byte[] data, string fileName) =>
        IsRbl(data) ? EvaluateRbl(RblValidator.Validate(data)) : [.. FlashableChips.Select(chip =>
        {
            var d = ImageDetector.Detect(data, chip, fileName: fileName);
            return new ChipFit(chip.Name, d.IsAccepted, d.IsAccepted ? $"{d.Kind} at 0x{d.Offset:X}, {d.Length:N0} bytes" : d.Reason + (d.Hint.Length > 0 ? " " + d.Hint : ""));
        })];

    public async Task<UploadResult> AddAsync(string fileName, byte[] data, CancellationToken cancellationToken = default)
    {
        fileName = System.IO.Path.GetFileName(fileName);
        if (data.LongLength > MaxUploadBytes)
        {
            return new UploadResult(null, $"'{fileName}' is {data.LongLength:N0} bytes; no BK7231 firmware is larger than {MaxUploadBytes:N0}.");
        }
        var sha = Convert.ToHexStringLower(SHA256.HashData(data));
        if (await FindBySha256Async(sha, cancellationToken) is { } existing)
        {
            return new UploadResult(null, $"'{fileName}' is already in the library as '{existing.FileName}' (same SHA-256).", existing.Id);
        }
        if (IsRbl(data) || fileName.EndsWith(".rbl", StringComparison.OrdinalIgnoreCase))
        {
            return await AddRblAsync(fileName, data, sha, cancellationToken);
        }
        var auto = ImageDetector.Detect(data, chip: null, fileName: fileName);
        var fits = Evaluate(data, fileName);
        if (!fits.Any(f => f.Fits))
        {
            var reason = auto.IsAccepted ? string.Join(" ", fits.Select(f => $"{f.Chip}: {f.Reason}")) : auto.Reason + (auto.Hint.Length > 0 ? " " + auto.Hint : "");
            return new UploadResult(null, $"'{fileName}' refused: {reason}");
        }
        var fitting = fits.Where(f => f.Fits).Select(f => f.Chip).ToList();
        var entry = new FirmwareEntry(
            Guid.NewGuid().ToString("N")[..12], fileName, auto.Kind.ToString(), fitting.Count == 1 ? fitting[0] : auto.Chip?.Name,
            data.LongLength, sha, "Accepted", DateTimeOffset.UtcNow, fits);
        return await StoreAsync(entry, data, cancellationToken);
    }

    /// <summary>An OTA package by its magic; the validator also explains what a mis-named .rbl really is.</summary>
    private static bool IsRbl(byte[] data) => data.Length >= 4 && data.AsSpan(0, 4).SequenceEqual("RBL\0"u8);

    private static IReadOnlyList<ChipFit> EvaluateRbl(RblInfo info) =>
        [.. FlashableChips.Select(chip => info.IsValid
            ? new ChipFit(chip.Name, info.Chip == chip.Name, info.Chip == chip.Name
                ? $"OTA package, OpenBeken {info.Version}{(info.OverwritesLfs ? $"; {info.Length:N0} bytes reach LittleFS, which a rollout backs up and restores" : "")}"
                : $"built for {info.Chip} (build literal); a {chip.Name} plug is skipped")
            : new ChipFit(chip.Name, false, info.Error!))];

    private async Task<UploadResult> AddRblAsync(string fileName, byte[] data, string sha, CancellationToken cancellationToken)
    {
        var info = RblValidator.Validate(data);
        if (!info.IsValid)
        {
            return new UploadResult(null, $"'{fileName}' refused: {info.Error}");
        }
        var entry = new FirmwareEntry(Guid.NewGuid().ToString("N")[..12], fileName, FirmwareEntry.RblKind, info.Chip, data.LongLength, sha, "Accepted",
            DateTimeOffset.UtcNow, EvaluateRbl(info)) { Version = info.Version, Variant = info.Variant };
        return await StoreAsync(entry, data, cancellationToken);
    }

    private async Task<FirmwareEntry?> FindBySha256Async(string sha, CancellationToken cancellationToken)
    {
        await using var c = await store.OpenAsync(cancellationToken);
        using var cmd = c.Command("SELECT id, file_name FROM firmware WHERE sha256 = $h LIMIT 1;", null, ("$h", sha));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        return await r.ReadAsync(cancellationToken)
            ? new FirmwareEntry(r.GetString(0), r.GetString(1), "", null, 0, sha, "", default, [])
            : null;
    }

    private async Task<UploadResult> StoreAsync(FirmwareEntry entry, byte[] data, CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var tmp = entry.Path(Directory) + ".tmp";
        await File.WriteAllBytesAsync(tmp, data, cancellationToken);
        File.Move(tmp, entry.Path(Directory), overwrite: true);
        await using var c = await store.OpenAsync(cancellationToken);
        using var cmd = c.Command(
            "INSERT INTO firmware(id, file_name, kind, chip, size, sha256, verdict, uploaded_utc, version, variant) VALUES ($id, $f, $k, $c, $s, $h, $v, $t, $ver, $var);", null,
            ("$id", entry.Id), ("$f", entry.FileName), ("$k", entry.Kind), ("$c", entry.Chip), ("$s", entry.Size), ("$h", entry.Sha256),
            ("$v", entry.Verdict), ("$t", entry.Uploaded.ToString("O", CultureInfo.InvariantCulture)), ("$ver", entry.Version), ("$var", entry.Variant));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
        Changed?.Invoke();
        return new UploadResult(entry, null);
    }

    public async Task<IReadOnlyList<FirmwareEntry>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await store.OpenAsync(cancellationToken);
        using var cmd = c.Command("SELECT id, file_name, kind, chip, size, sha256, verdict, uploaded_utc, version, variant FROM firmware ORDER BY uploaded_utc DESC;");
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        var rows = new List<FirmwareEntry>();
        while (await r.ReadAsync(cancellationToken))
        {
            rows.Add(new FirmwareEntry(r.GetString(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetInt64(4),
                r.GetString(5), r.GetString(6), DateTimeOffset.Parse(r.GetString(7), CultureInfo.InvariantCulture), [])
            {
                Version = r.IsDBNull(8) ? null : r.GetString(8),
                Variant = r.IsDBNull(9) ? null : r.GetString(9),
            });
        }
        var result = new List<FirmwareEntry>(rows.Count);
        foreach (var row in rows)
        {
            var path = row.Path(Directory);
            if (!File.Exists(path))
            {
                result.Add(row with { Verdict = "File missing" });
                continue;
            }
            var key = row.Sha256 + "/" + row.FileName;
            if (!_fits.TryGetValue(key, out var fits))
            {
                fits = Evaluate(await File.ReadAllBytesAsync(path, cancellationToken), row.FileName);
                _fits[key] = fits;
            }
            result.Add(row with { Fits = fits });
        }
        return result;
    }

    public async Task<(FirmwareEntry Entry, byte[] Data)?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var entry = (await ListAsync(cancellationToken)).FirstOrDefault(e => e.Id == id);
        if (entry is null || !File.Exists(entry.Path(Directory)))
        {
            return null;
        }
        return (entry, await File.ReadAllBytesAsync(entry.Path(Directory), cancellationToken));
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var c = await store.OpenAsync(cancellationToken);
        using var cmd = c.Command("DELETE FROM firmware WHERE id = $id;", null, ("$id", id));
        var deleted = await cmd.ExecuteNonQueryAsync(cancellationToken) > 0;
        var path = System.IO.Path.Combine(Directory, System.IO.Path.GetFileName(id) + ".bin");
        if (File.Exists(path))
        {
            File.Delete(path);
        }
        if (deleted)
        {
            _fits.Clear(); // re-evaluated on the next list; the cache never outgrows the library
            Changed?.Invoke();
        }
        return deleted;
    }
}
