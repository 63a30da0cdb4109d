using System.Buffers.Binary;

namespace OpenBekenHub.Simulators.Images;

/// <summary>
/// Firmware files shaped like OpenBeken's release assets (bk7231-protocol.md §7.2-7.4), with deterministic content,
/// for tests, benchmarks and demo mode: the on-flash CRC16 layout (each 32-byte block followed by its big-endian
/// CRC-16/CMS), the UA header bytes, and the QIO lengths. The code inside is noise; no simulator executes it.
/// </summary>
public static class SyntheticFirmware
{
    /// <summary>First 8 bytes of an OpenBeken/Tuya UA app block.</summary>
    public static ReadOnlySpan<byte> UaMagic => [0x2F, 0x07, 0xB5, 0x94, 0x35, 0xFF, 0x2A, 0x9B];

    /// <summary>Length of an OpenBK7231N_QIO release file (bootloader + app container with CRC).</summary>
    public const int Bk7231NQioLength = 0x129F70;

    /// <summary>Where the app starts in flash and in a QIO file.</summary>
    public const int AppOffset = 0x11000;

    /// <summary>A UA app image of about <paramref name="bytes"/> bytes (rounded down to whole 34-byte blocks).</summary>
    public static byte[] Ua(int bytes = 1024 * 1024, int seed = 1)
    {
        var blocks = bytes / 34;
        var logical = new byte[blocks * 32];
        new Random(seed).NextBytes(logical);
        UaMagic.CopyTo(logical);
        return WithCrc16(logical);
    }

    /// <summary>A BK7231N QIO file: a bootloader region followed by a UA app filling the app container.</summary>
    public static byte[] Bk7231NQio(int seed = 2, ReadOnlySpan<byte> bootloader = default)
    {
        var image = new byte[Bk7231NQioLength];
        var boot = image.AsSpan(0, AppOffset);
        new Random(seed ^ 0x5A5A).NextBytes(boot);
        if (!bootloader.IsEmpty)
        {
            bootloader[..Math.Min(bootloader.Length, AppOffset)].CopyTo(boot);
        }
        Ua(Bk7231NQioLength - AppOffset, seed).CopyTo(image.AsSpan(AppOffset));
        return image;
    }

    /// <summary>Interleaves a CRC-16/CMS (big-endian) after every 32 bytes, as the Beken packager does.</summary>
    public static byte[] WithCrc16(ReadOnlySpan<byte> logical)
    {
        if (logical.Length % 32 != 0)
        {
            throw new ArgumentException("logical length must be a multiple of 32", nameof(logical));
        }
        var result = new byte[logical.Length / 32 * 34];
        for (int i = 0, o = 0; i < logical.Length; i += 32, o += 34)
        {
            var block = logical.Slice(i, 32);
            block.CopyTo(result.AsSpan(o));
            BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(o + 32), Crc16Cms(block));
        }
        return result;
    }

    /// <summary>CRC-16/CMS: poly 0x8005, init 0xFFFF, not reflected, no final xor.</summary>
    public static ushort Crc16Cms(ReadOnlySpan<byte> data)
    {
        ushort crc = 0xFFFF;
        foreach (var b in data)
        {
            crc ^= (ushort)(b << 8);
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x8000) != 0 ? (ushort)((crc << 1) ^ 0x8005) : (ushort)(crc << 1);
            }
        }
        return crc;
    }
}
