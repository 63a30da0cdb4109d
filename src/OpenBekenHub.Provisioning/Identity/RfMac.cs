using OpenBekenHub.Provisioning.Chips;

namespace OpenBekenHub.Provisioning.Identity;

/// <summary>
/// Reads the Wi-Fi MAC from the RF calibration sector (bk7231-protocol.md §7.5): the sector starts with
/// <c>"TLV\0"</c>; the MAC entry sits at +0x1C as tag <c>02 11 11 11</c>, length <c>06 00 00 00</c>, then the six
/// MAC bytes at +0x24.
/// </summary>
public static class RfMac
{
    public const int MacOffset = 0x24;
    private const int EntryOffset = 0x1C;
    private static ReadOnlySpan<byte> Header => "TLV\0"u8;
    private static ReadOnlySpan<byte> MacEntry => [0x02, 0x11, 0x11, 0x11, 0x06, 0x00, 0x00, 0x00];

    /// <summary>The MAC from a full (or partial, reaching past the RF sector's MAC) flash dump; null when absent or blank.</summary>
    public static MacAddress? ReadFromFlash(ReadOnlySpan<byte> flash, ObkChip chip)
    {
        ArgumentNullException.ThrowIfNull(chip);
        if (flash.Length < chip.RfOffset + MacOffset + 6)
        {
            return null;
        }
        return ReadFromRfSector(flash[chip.RfOffset..]);
    }

    /// <summary>The MAC from the RF sector itself (starting at its first byte); null when the TLV entry is missing or blank.</summary>
    public static MacAddress? ReadFromRfSector(ReadOnlySpan<byte> rf)
    {
        if (rf.Length < MacOffset + 6 || !rf[..4].SequenceEqual(Header) || !rf.Slice(EntryOffset, 8).SequenceEqual(MacEntry))
        {
            return null;
        }
        var mac = MacAddress.FromBytes(rf.Slice(MacOffset, 6));
        return mac.IsBlank ? null : mac;
    }

    /// <summary>
    /// A minimal RF sector holding only the TLV header and the MAC entry (rest 0xFF). Real sectors also carry
    /// calibration data; this one is for emulated flash images in tests and demos, never for a real plug.
    /// </summary>
    public static byte[] BuildMinimalSector(MacAddress mac)
    {
        var sector = new byte[ObkChip.SectorSize];
        sector.AsSpan().Fill(0xFF);
        Header.CopyTo(sector);
        // Total length of the TLV area after the 8-byte header: the one MAC entry (8-byte tag/length + 6 bytes, padded to 8).
        BitConverter.TryWriteBytes(sector.AsSpan(4), 0);
        sector.AsSpan(8, EntryOffset - 8).Clear();
        MacEntry.CopyTo(sector.AsSpan(EntryOffset));
        mac.ToBytes().CopyTo(sector, MacOffset);
        return sector;
    }
}
