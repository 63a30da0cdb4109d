namespace OpenBekenHub.Flashing.Images;

/// <summary>
/// Where OpenBeken's pull/push OTA writes on each chip and what lies inside that area (openbeken-ota.md §4):
/// the raw .rbl goes to the OTA ("download") partition, LittleFS sits at its end (T) or just past it (N).
/// </summary>
public sealed record RblLayout(string Chip, uint OtaStart, uint PartitionSize, uint LfsStart, uint LfsEnd)
{
    /// <summary>BK7231T: OTA 0x132000 + 0x96000; default LittleFS 0x1AB000-0x1B3000 (inside the OTA partition).</summary>
    public static readonly RblLayout Bk7231T = new("BK7231T", 0x132000, 0x96000, 0x1AB000, 0x1B3000);

    /// <summary>BK7231N: OTA 0x12A000 + 0xA6000; default LittleFS 0x1C8000-0x1D0000.</summary>
    public static readonly RblLayout Bk7231N = new("BK7231N", 0x12A000, 0xA6000, 0x1C8000, 0x1D0000);

    public static IReadOnlyList<RblLayout> All { get; } = [Bk7231T, Bk7231N];

    /// <summary>Bytes of .rbl that fit before the default LittleFS; a longer file overwrites it.</summary>
    public uint GapBeforeLfs => LfsStart - OtaStart;

    /// <summary>True when an .rbl of <paramref name="length"/> bytes overwrites the default LittleFS (§4 hub rule).</summary>
    public bool OverwritesLfs(long length) => length > GapBeforeLfs;

    public static RblLayout? For(string? chip) =>
        All.FirstOrDefault(l => string.Equals(l.Chip, chip, StringComparison.OrdinalIgnoreCase));
}
