namespace OpenBekenHub.Flashing.Protocol;

/// <summary>
/// The bootloader's CheckCRC algorithm: reflected CRC-32 (poly 0xEDB88320), init 0xFFFFFFFF and NO final XOR,
/// so the value equals ~zlib.crc32(data) (bk7231-protocol.md §4).
/// </summary>
public static class BkCrc32
{
    private static readonly uint[] Table = BuildTable();

    /// <summary>Raw register value the chip returns for <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Update(0xFFFFFFFF, data);

    /// <summary>Continues a running (raw, un-inverted) CRC.</summary>
    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }
        return crc;
    }

    /// <summary>Standard (zlib) CRC-32 of <paramref name="data"/>, used for bootloader fingerprints.</summary>
    public static uint Standard(ReadOnlySpan<byte> data) => ~Compute(data);

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }
            table[i] = c;
        }
        return table;
    }
}
