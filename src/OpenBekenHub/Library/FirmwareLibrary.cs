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
    public string Path(string directory) => System.IO.Path.Combine(directory, Id + ".bin");
}

/// <summary>The result of an upload: stored, or refused with the detector's reason and hint.</summary>
public sealed record UploadResult(FirmwareEntry? Entry, string? Error);

/// <summary>
/// Uploaded firmware files, validated by <see cref="ImageDetector"/> on the way in: a file that fits no supported
/// chip is refused and never stored. Files live in &lt;data&gt;/firmware, named by id.
/// </summary>
public sealed class FirmwareLibrary(HubStore store, IOptions<HubOptions> options)
{
    /// <summary>Largest file accepted: a full 2 MiB flash image plus slack; anything bigger cannot be a firmware.</summary>
    public const long MaxUploadBytes = 4 * 1024 * 1024;

    private static readonly BkChip[] FlashableChips = [Bk7231T.Instance, Bk7231N.Instance];

    public string Directory => options.Value.FirmwareDirectory;

    /// <summary>Evaluates a file against each supported chip, as the wizard and the library page show it.</summary>
    public static IReadOnlyList<ChipFit> Evaluate(byte[] data, string fileName) =>
        [.. FlashableChips.Select(chip =>
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
            data.LongLength, Convert.ToHexStringLower(SHA256.HashData(data)), "Accepted", DateTimeOffset.UtcNow, fits);
        System.IO.Directory.CreateDirectory(Directory);
        var tmp = entry.Path(Directory) + ".tmp";
        await File.WriteAllBytesAsync(tmp, data, cancellationToken);
        File.Move(tmp, entry.Path(Directory), overwrite: true);
        await using var c = await store.OpenAsync(cancellationToken);
        using var cmd = c.Command(
            "INSERT INTO firmware(id, file_name, kind, chip, size, sha256, verdict, uploaded_utc) VALUES ($id, $f, $k, $c, $s, $h, $v, $t);", null,
            ("$id", entry.Id), ("$f", entry.FileName), ("$k", entry.Kind), ("$c", entry.Chip), ("$s", entry.Size), ("$h", entry.Sha256),
            ("$v", entry.Verdict), ("$t", entry.Uploaded.ToString("O", CultureInfo.InvariantCulture)));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
        return new UploadResult(entry, null);
    }

    public async Task<IReadOnlyList<FirmwareEntry>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await store.OpenAsync(cancellationToken);
        using var cmd = c.Command("SELECT id, file_name, kind, chip, size, sha256, verdict, uploaded_utc FROM firmware ORDER BY uploaded_utc DESC;");
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        var rows = new List<FirmwareEntry>();
        while (await r.ReadAsync(cancellationToken))
        {
            rows.Add(new FirmwareEntry(r.GetString(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetInt64(4),
                r.GetString(5), r.GetString(6), DateTimeOffset.Parse(r.GetString(7), CultureInfo.InvariantCulture), []));
        }
        var result = new List<FirmwareEntry>(rows.Count);
        foreach (var row in rows)
        {
            var path = row.Path(Directory);
            result.Add(File.Exists(path) ? row with { Fits = Evaluate(await File.ReadAllBytesAsync(path, cancellationToken), row.FileName) } : row with { Verdict = "File missing" });
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
        return deleted;
    }
}
