namespace OpenBekenHub.Provisioning.Config;

/// <summary>
/// The check byte of OpenBeken's configuration block (openbeken.md §5.3): the reflected Dallas/Maxim CRC-8
/// (polynomial 0x8C, init 0, no final XOR) as the firmware computes it. On Beken the firmware is compiled with a
/// signed <c>char</c>, so the CRC register is shifted arithmetically (bit 7 is kept); the unsigned variant is the
/// textbook CRC-8/MAXIM used by a few other platforms.
/// </summary>
public static class ObkCrc8
{
    private const byte Polynomial = 0x8C;

    /// <summary>The Beken variant (signed char, arithmetic shift). Used for BK7231T/N and every Beken chip.</summary>
    public static byte ComputeSigned(ReadOnlySpan<byte> data) => Compute(data, signed: true);

    /// <summary>Standard CRC-8/MAXIM (logical shift); check value of "123456789" is 0xA1.</summary>
    public static byte ComputeUnsigned(ReadOnlySpan<byte> data) => Compute(data, signed: false);

    private static byte Compute(ReadOnlySpan<byte> data, bool signed)
    {
        var crc = 0;
        foreach (var input in data)
        {
            var b = (int)input;
            for (var bit = 0; bit < 8; bit++)
            {
                var mix = (crc ^ b) & 1;
                crc = signed ? (crc >> 1) | (crc & 0x80) : crc >> 1;
                if (mix != 0)
                {
                    crc ^= Polynomial;
                }
                b >>= 1;
            }
        }
        return (byte)crc;
    }
}
