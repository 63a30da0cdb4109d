using OpenBekenHub.Flashing.Images;
using OpenBekenHub.Simulators.Bootloader;

namespace OpenBekenHub.Flashing.Tests.Support;

/// <summary>Synthetic images in the real on-flash formats (UA magic, CRC16/CMS every 32 bytes, real bootloader fingerprints).</summary>
public static class TestImages
{
    /// <summary>A UA app of <paramref name="blocks"/> CRC16 blocks (34 bytes each) of pseudo-random content.</summary>
    public static byte[] Ua(int blocks, int seed = 1)
    {
        var random = new Random(seed);
        var image = new byte[blocks * Crc16Cms.BlockSize];
        for (var i = 0; i < blocks; i++)
        {
            var block = image.AsSpan(i * Crc16Cms.BlockSize, Crc16Cms.BlockSize);
            random.NextBytes(block[..32]);
            if (i == 0)
            {
                ImageDetector.UaMagic.CopyTo(block);
            }
            var crc = Crc16Cms.Compute(block[..32]);
            block[32] = (byte)(crc >> 8);
            block[33] = (byte)crc;
        }
        return image;
    }

    /// <summary>A UA of about <paramref name="bytes"/> bytes.</summary>
    public static byte[] UaOfSize(int bytes, int seed = 1) => Ua(bytes / Crc16Cms.BlockSize, seed);

    /// <summary>A QIO: the chip's (synthetic, fingerprint-exact) bootloader region, then a UA app at 0x11000.</summary>
    public static byte[] Qio(EmulatedChip chip, int appBlocks, int seed = 2)
    {
        var bootloader = SyntheticBootloader.Build(chip);
        var app = Ua(appBlocks, seed);
        return [.. bootloader, .. app];
    }
}
