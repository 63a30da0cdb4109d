using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using OpenBekenHub.Store;

namespace OpenBekenHub.Configs;

/// <summary>
/// One stored version in an export. Text that may hold a password (the startup command, LittleFS files; see
/// <see cref="SecretText"/>) is not in <see cref="Snapshot"/> in clear: it is emptied there and carried in
/// <see cref="Protected"/> (item → Data Protection ciphertext), which only this hub's key ring can open.
/// </summary>
public sealed record ExportedVersion(string DeviceId, int Version, string Source, DateTimeOffset Created, ConfigSnapshot Snapshot, IReadOnlyDictionary<string, string> Protected);

public sealed record ConfigExportFile(int Format, DateTimeOffset Exported, string Secrets, IReadOnlyList<ExportedVersion> Versions, IReadOnlyList<UniqueIdAlias> Aliases)
{
    public const int CurrentFormat = 1;
}

public sealed record ConfigImportResult(int Imported, int Unchanged, int Skipped, int Aliases, IReadOnlyList<string> Warnings);

/// <summary>Exports every stored version and alias as one JSON file, and imports such a file (merging, never overwriting).</summary>
public sealed class ConfigExport(ConfigStore store, UniqueIdAliasTable aliases, IDataProtectionProvider protection, TimeProvider time)
{
    public const int MaxImportBytes = 32 * 1024 * 1024;

    private const string StartupItem = "startupCommand";
    private const string FilePrefix = "file:";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly IDataProtector _protector = protection.CreateProtector("obkhub.config-export.v1");

    public async Task<byte[]> ExportAsync(CancellationToken ct)
    {
        var versions = (await store.ListAllAsync(ct)).Select(Protect).ToList();
        var file = new ConfigExportFile(ConfigExportFile.CurrentFormat, time.GetUtcNow(),
            "Startup commands and LittleFS files that mention a password are encrypted with this hub's Data Protection keys (<data>/keys); no password is in clear.",
            versions, aliases.All);
        return JsonSerializer.SerializeToUtf8Bytes(file, Json);
    }

    private ExportedVersion Protect(ConfigVersion v)
    {
        var secret = new Dictionary<string, string>(StringComparer.Ordinal);
        var snapshot = v.Snapshot;
        if (SecretText.MayHoldSecret(snapshot.StartupCommand))
        {
            secret[StartupItem] = _protector.Protect(snapshot.StartupCommand);
            snapshot = snapshot with { StartupCommand = "" };
        }
        var files = new List<LfsFile>();
        foreach (var f in snapshot.Files)
        {
            if (SecretText.MayHoldSecret(ConfigSnapshot.FileText(f)))
            {
                secret[FilePrefix + f.Path] = _protector.Protect(f.ContentBase64);
                files.Add(f with { ContentBase64 = "" });
            }
            else
            {
                files.Add(f);
            }
        }
        return new ExportedVersion(v.DeviceId, v.Version, v.Source, v.Created, snapshot with { Files = files }, secret);
    }

    public async Task<ConfigImportResult> ImportAsync(Stream input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        ConfigExportFile? file;
        try
        {
            file = await JsonSerializer.DeserializeAsync<ConfigExportFile>(input, Json, ct);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException("Not an obkhub configuration export: " + ex.Message, ex);
        }
        if (file?.Versions is null || file.Format != ConfigExportFile.CurrentFormat)
        {
            throw new InvalidDataException($"Not an obkhub configuration export of format {ConfigExportFile.CurrentFormat}.");
        }
        var warnings = new List<string>();
        int imported = 0, unchanged = 0, skipped = 0, aliasCount = 0;
        foreach (var v in file.Versions.OrderBy(v => v.DeviceId, StringComparer.Ordinal).ThenBy(v => v.Version))
        {
            if (v.Snapshot is null || string.IsNullOrWhiteSpace(v.DeviceId) || v.DeviceId.Length > 64)
            {
                skipped++;
                continue;
            }
            if (!TryUnprotect(v, out var snapshot))
            {
                skipped++;
                warnings.Add($"{v.DeviceId} version {v.Version}: its protected items were encrypted by another hub's keys; not imported.");
                continue;
            }
            var (_, created) = await store.AddIfChangedAsync(v.DeviceId, snapshot, "import", ct);
            if (created)
            {
                imported++;
            }
            else
            {
                unchanged++;
            }
        }
        foreach (var alias in file.Aliases ?? [])
        {
            if (await aliases.ImportAsync(alias, ct))
            {
                aliasCount++;
            }
        }
        return new ConfigImportResult(imported, unchanged, skipped, aliasCount, warnings);
    }

    private bool TryUnprotect(ExportedVersion v, out ConfigSnapshot snapshot)
    {
        snapshot = v.Snapshot;
        try
        {
            foreach (var (item, cipher) in v.Protected ?? new Dictionary<string, string>())
            {
                if (item == StartupItem)
                {
                    snapshot = snapshot with { StartupCommand = _protector.Unprotect(cipher) };
                }
                else if (item.StartsWith(FilePrefix, StringComparison.Ordinal))
                {
                    var path = item[FilePrefix.Length..];
                    var content = _protector.Unprotect(cipher);
                    snapshot = snapshot with { Files = [.. snapshot.Files.Select(f => f.Path == path ? f with { ContentBase64 = content } : f)] };
                }
            }
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
