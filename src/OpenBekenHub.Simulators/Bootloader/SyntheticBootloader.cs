using System.Text;

namespace OpenBekenHub.Simulators.Bootloader;

/// <summary>
/// A stand-in for the real bootloader in the first 0x11000 bytes (whose code we do not ship). It is deterministic
/// filler, but its first 256 (T) / 257 (N) bytes end in four bytes chosen so that their standard CRC-32 equals the
/// real bootloader's fingerprint in bk7231tools' table (T: bk7231s 1.0.5 = 0xBA54C1B8, N: 1.0.1 = 0xE14191BA).
/// A flasher that identifies the chip by that CRC therefore sees the genuine value.
/// </summary>
public static class SyntheticBootloader
{
    public const int RegionSize = 0x11000;

    /// <summary>Bytes of code in the region; the rest stays erased (0xFF), as on a real module.</summary>
    public const int CodeSize = 0xF000;

    public static byte[] Build(EmulatedChip chip)
    {
        var profile = ChipProfile.For(chip);
        var image = new byte[RegionSize];
        Array.Fill(image, (byte)0xFF);
        uint x = 0x2F07B594u ^ (uint)chip;
        for (var i = 0; i < CodeSize; i++)
        {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            image[i] = (byte)x;
        }
        var marker = Encoding.ASCII.GetBytes($"OBKHUB synthetic {chip} bootloader; not real code\0");
        marker.CopyTo(image, 0x20);
        var forgeAt = profile.FingerprintLength - 4;
        BootCrc32.ForgeSuffix(image.AsSpan(0, forgeAt), profile.FingerprintCrc).CopyTo(image, forgeAt);
        return image;
    }

    /// <summary>A full power-up flash image: the synthetic bootloader, everything else erased.</summary>
    public static byte[] BuildFlash(EmulatedChip chip, int flashSize)
    {
        var flash = new byte[flashSize];
        Array.Fill(flash, (byte)0xFF);
        Build(chip).CopyTo(flash, 0);
        return flash;
    }
}
