using System.Buffers.Binary;

namespace OpenBekenHub.Simulators.Bootloader;

/// <summary>
/// The bootloader's CheckCRC arithmetic: reflected CRC-32 (poly 0xEDB88320), init 0xFFFFFFFF, no final XOR.
/// The chip sends the raw register, i.e. the bitwise complement of the standard (zlib) CRC-32.
/// </summary>
public static class BootCrc32
{
    private static readonly uint[] Table = BuildTable();
    private static readonly byte[] IndexByTopByte = BuildReverse();

    public const uint InitialRegister = 0xFFFFFFFF;

    /// <summary>Continue the raw register over <paramref name="data"/>.</summary>
    public static uint Update(uint register, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            register = (register >> 8) ^ Table[(register ^ b) & 0xFF];
        }
        return register;
    }

    /// <summary>What the chip answers for this data (raw register).</summary>
    public static uint ChipValue(ReadOnlySpan<byte> data) => Update(InitialRegister, data);

    /// <summary>The standard CRC-32 (as zlib and bk7231tools' fingerprints quote it).</summary>
    public static uint Standard(ReadOnlySpan<byte> data) => ~ChipValue(data);

    /// <summary>Four bytes that, appended to <paramref name="prefix"/>, make its standard CRC-32 equal <paramref name="targetStandardCrc"/>.</summary>
    public static byte[] ForgeSuffix(ReadOnlySpan<byte> prefix, uint targetStandardCrc)
    {
        var state = ~targetStandardCrc;
        for (var k = 0; k < 4; k++)
        {
            var i = IndexByTopByte[state >> 24];
            state = ((state ^ Table[i]) << 8) | i;
        }
        var suffix = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(suffix, state ^ ChipValue(prefix));
        return suffix;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var j = 0; j < 8; j++)
            {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }
            table[i] = c;
        }
        return table;
    }

    private static byte[] BuildReverse()
    {
        var reverse = new byte[256];
        for (var i = 0; i < 256; i++)
        {
            reverse[Table[i] >> 24] = (byte)i;
        }
        return reverse;
    }
}
