namespace OpenBekenHub.Flashing.Chips;

/// <summary>
/// One SPI flash part: JEDEC id as the tools use it (M | T&lt;&lt;8 | C&lt;&lt;16), size, status-register width,
/// the protect-bit mask, and the SPI opcodes to read (per SR byte) and write the status register.
/// </summary>
public sealed record FlashChipInfo(uint Mid, string Name, uint Size, int StatusBytes, ushort ProtectMask, byte[] ReadOpcodes, byte WriteOpcode, bool Known = true)
{
    /// <summary>Protect mask restricted to the status register's width.</summary>
    public uint EffectiveMask => StatusBytes switch
    {
        0 => 0,
        1 => ProtectMask & 0xFFu,
        2 => ProtectMask & 0xFFFFu,
        _ => ProtectMask,
    };

    public string IdHex => $"{Mid:X6}";
}

/// <summary>Flash parts seen on BK7231 modules (bk7231-protocol.md §6) and a fallback for unknown ids.</summary>
public static class FlashChipTable
{
    private static readonly byte[] Sr12 = [0x05, 0x35];

    public static IReadOnlyList<FlashChipInfo> Known { get; } =
    [
        new(0x1560EB, "TH25Q16HB", 0x200000, 2, 0x407C, Sr12, 0x01),
        new(0x1571CD, "TH25Q16UC", 0x200000, 2, 0x407C, Sr12, 0x01),
        new(0x15400B, "XT25F16B", 0x200000, 2, 0x407C, Sr12, 0x01),
        new(0x15404B, "XT25F16B_1", 0x200000, 2, 0x407C, Sr12, 0x01),
        new(0x1540C8, "GD25Q16B", 0x200000, 2, 0x407C, Sr12, 0x01),
        new(0x1565C8, "GD25WQ16E", 0x200000, 2, 0x407C, Sr12, 0x01),
        new(0x1560C4, "GT25Q16B", 0x200000, 3, 0x407C, [0x05, 0x35, 0x15], 0x01),
        new(0x154285, "P25Q16HB", 0x200000, 1, 0x407C, [0x05], 0x01),
        new(0x152085, "P25Q16HBK", 0x200000, 2, 0x407C, Sr12, 0x01),
        new(0x156085, "P25Q16SU", 0x200000, 2, 0x407C, Sr12, 0x01),
        new(0x1523C2, "MX25V1635F", 0x200000, 2, 0x103C, [0x05, 0x15], 0x01),
        new(0x15701C, "EN25QH16B", 0x200000, 1, 0x003C, [0x05], 0x01),
        new(0x1440C8, "GD25Q80", 0x100000, 2, 0x407C, Sr12, 0x01),
        new(0x1640C8, "GD25Q32", 0x400000, 2, 0x407C, Sr12, 0x01),
        new(0x424B01, "BK internal", 0x200000, 0, 0, [], 0x01),
    ];

    /// <summary>
    /// Looks up <paramref name="mid"/>; an unknown id gets size 1 &lt;&lt; C and the common 2-byte SR with mask 0x407C
    /// (the bk7231tools fallback), marked <see cref="FlashChipInfo.Known"/> = false.
    /// </summary>
    public static FlashChipInfo Lookup(uint mid)
    {
        var entry = Known.FirstOrDefault(e => e.Mid == mid);
        if (entry is not null)
        {
            return entry;
        }
        var capacity = (int)((mid >> 16) & 0xFF);
        var size = capacity is >= 17 and <= 26 ? 1u << capacity : 0x200000u;
        return new FlashChipInfo(mid, $"unknown {mid:X6}", size, 2, 0x407C, Sr12, 0x01, Known: false);
    }
}
