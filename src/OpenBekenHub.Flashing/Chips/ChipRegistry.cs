namespace OpenBekenHub.Flashing.Chips;

/// <summary>All known chips and look-ups by name, chip-id register and bootloader fingerprint.</summary>
public static class ChipRegistry
{
    public static IReadOnlyList<BkChip> All { get; } = [Bk7231T.Instance, Bk7231N.Instance, Bk7231U.Instance, Bk7252.Instance];

    /// <summary>Parses "bk7231t", "BK7231N", "t", "n"...; null for "auto" or unknown.</summary>
    public static BkChip? Find(string? name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var n = name.Trim().ToUpperInvariant();
        if (n.Length == 1)
        {
            n = "BK7231" + n;
        }
        return All.FirstOrDefault(c => c.Name == n);
    }

    public static BkChip? ByChipId(uint value) => All.FirstOrDefault(c => c.ChipIdValue == value);

    /// <summary>Finds a chip by the standard CRC-32 of its bootloader's first 256/257 bytes.</summary>
    public static (BkChip Chip, string Version)? ByBootloaderFingerprint(uint standardCrc)
    {
        foreach (var chip in All)
        {
            if (chip.BootloaderFingerprints.TryGetValue(standardCrc, out var version))
            {
                return (chip, version);
            }
        }
        return null;
    }

    /// <summary>Chip named in an OpenBeken release file name ("OpenBK7231N_QIO_1.17.bin"), if any.</summary>
    public static BkChip? FromFileName(string? fileName)
    {
        if (string.IsNullOrEmpty(fileName))
        {
            return null;
        }
        var upper = Path.GetFileName(fileName).ToUpperInvariant();
        return All.OrderByDescending(c => c.Name.Length).FirstOrDefault(c => upper.Contains(c.Name, StringComparison.Ordinal));
    }
}
