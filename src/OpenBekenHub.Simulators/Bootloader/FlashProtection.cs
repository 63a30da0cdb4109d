namespace OpenBekenHub.Simulators.Bootloader;

/// <summary>
/// Block protection of a GD25Q16/TH25Q16-class SPI NOR flash (2-byte status register): BP0..BP2 (bits 2..4) size,
/// BP3 (bit 5, TB) bottom instead of top, BP4 (bit 6, SEC) 4 KiB sectors instead of 64 KiB blocks, CMP (bit 14)
/// protects the complement. Pure: status register in, protected byte range out.
/// </summary>
public static class FlashProtection
{
    public const ushort CmpBit = 0x4000;

    /// <summary>The protected range [start, end) for this status register; an empty range when nothing is protected.</summary>
    public static (int Start, int End) ProtectedRange(ushort statusRegister, int flashSize)
    {
        var bp = (statusRegister >> 2) & 0x7;
        var bottom = (statusRegister & 0x20) != 0;
        var sectors = (statusRegister & 0x40) != 0;
        var length = bp switch
        {
            0 => 0,
            >= 6 => flashSize,
            _ when sectors => 0x1000 << Math.Min(bp - 1, 3),
            _ => flashSize / 32 << (bp - 1),
        };

        var (start, end) = bottom ? (0, length) : (flashSize - length, flashSize);
        if ((statusRegister & CmpBit) == 0)
        {
            return (start, end);
        }
        // CMP: the complement, which is again one contiguous range.
        if (length == 0)
        {
            return (0, flashSize);
        }
        if (length == flashSize)
        {
            return (0, 0);
        }
        return bottom ? (length, flashSize) : (0, flashSize - length);
    }

    public static bool Overlaps(ushort statusRegister, int flashSize, int start, int length)
    {
        var (ps, pe) = ProtectedRange(statusRegister, flashSize);
        return pe > ps && start < pe && start + length > ps;
    }
}
