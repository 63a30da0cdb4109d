namespace OpenBekenHub.Flashing.Images;

/// <summary>
/// CRC-16/CMS (poly 0x8005, init 0xFFFF, not reflected, no final XOR): the check word stored big-endian after every
/// 32-byte block of Beken on-flash images (bk7231-protocol.md §7.2). Check value of "123456789" is 0xAEE7.
/// </summary>
public static class Crc16Cms
{
    public static ushort Compute(ReadOnlySpan<byte> data)
    {
        ushort crc = 0xFFFF;
        foreach (var b in data)
        {
            crc ^= (ushort)(b << 8);
            for (var i = 0; i < 8; i++)
            {
                crc = (crc & 0x8000) != 0 ? (ushort)((crc << 1) ^ 0x8005) : (ushort)(crc << 1);
            }
        }
        return crc;
    }

    /// <summary>Size of one stored block: 32 data bytes + 2 CRC bytes.</summary>
    public const int BlockSize = 34;

    /// <summary>
    /// Checks the 34-byte blocks of <paramref name="data"/>; erased blocks (all 0xFF) are accepted.
    /// Returns the index of the first bad block, or -1.
    /// </summary>
    public static int FirstBadBlock(ReadOnlySpan<byte> data)
    {
        var blocks = data.Length / BlockSize;
        for (var i = 0; i < blocks; i++)
        {
            var block = data.Slice(i * BlockSize, BlockSize);
            if (!block.ContainsAnyExcept((byte)0xFF))
            {
                continue;
            }
            var stored = (ushort)((block[32] << 8) | block[33]);
            if (Compute(block[..32]) != stored)
            {
                return i;
            }
        }
        return -1;
    }
}
