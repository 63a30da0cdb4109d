using System.Text.Json;
using Microsoft.Extensions.Options;
using OpenBekenHub.Flashing.Operations;
using OpenBekenHub.Hosting;
using OpenBekenHub.Provisioning.Chips;
using OpenBekenHub.Provisioning.Config;
using OpenBekenHub.Provisioning.Identity;
using OpenBekenHub.Provisioning.Tuya;

namespace OpenBekenHub.Library;

/// <summary>What the hub could read out of a backup: the plug's MAC, Tuya's pin config, an OpenBeken config.</summary>
public sealed record BackupInsight(string? Mac, string? TuyaModule, IReadOnlyList<string> ProposedPins, IReadOnlyList<string> Warnings, string? ObkConfigName);

public sealed record BackupEntry(string FileName, BackupManifest Manifest, BackupInsight? Insight);

/// <summary>
/// The backups in &lt;data&gt;/backups: each .bin with its JSON sidecar (written by the flasher). The hub never deletes
/// them; the files are the record.
/// </summary>
public sealed class BackupCatalog(IOptions<HubOptions> options)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Directory => options.Value.BackupsDirectory;

    public IReadOnlyList<BackupEntry> List(bool withInsight)
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }
        var entries = new List<BackupEntry>();
        foreach (var sidecar in System.IO.Directory.GetFiles(Directory, "*.json").OrderDescending())
        {
            BackupManifest? manifest;
            try
            {
                manifest = JsonSerializer.Deserialize<BackupManifest>(File.ReadAllText(sidecar), Json);
            }
            catch (JsonException)
            {
                continue;
            }
            var bin = Path.ChangeExtension(sidecar, ".bin");
            if (manifest is null || !File.Exists(bin))
            {
                continue;
            }
            entries.Add(new BackupEntry(Path.GetFileName(bin), manifest, withInsight ? Inspect(File.ReadAllBytes(bin), manifest.Chip) : null));
        }
        return entries;
    }

    /// <summary>The full path of a backup by file name, or null (never outside the backups folder).</summary>
    public string? Resolve(string fileName)
    {
        var name = Path.GetFileName(fileName);
        if (name != fileName || !name.EndsWith(".bin", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var path = Path.Combine(Directory, name);
        return File.Exists(path) ? path : null;
    }

    public static BackupInsight Inspect(byte[] flash, string chipName)
    {
        var chip = ObkChips.Find(chipName);
        var mac = chip is null ? null : RfMac.ReadFromFlash(flash, chip);
        var tuya = TuyaConfigExtractor.TryExtract(flash);
        string? obkName = null;
        if (chip is not null && ObkConfigReader.TryParse(flash.AsSpan(chip.ConfigOffset, ObkChip.SectorSize), out var config, out _) && config is not null)
        {
            obkName = $"{config.ShortName} (client topic {config.MqttClientId})";
        }
        return new BackupInsight(
            mac?.ToString(),
            tuya?.Module,
            tuya is null ? [] : [.. tuya.Proposal.Pins.Select(p => $"P{p.Pin}: {PinRoleName(p.Role)} ch{p.Channel}")],
            tuya?.Proposal.Warnings ?? [],
            obkName);
    }

    private static string PinRoleName(int role) => Provisioning.Pins.PinRoles.FindByNumber(role)?.ShortName ?? role.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
