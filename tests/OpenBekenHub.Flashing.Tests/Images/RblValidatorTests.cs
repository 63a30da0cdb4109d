using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using OpenBekenHub.Flashing.Images;
using OpenBekenHub.Simulators.Images;

namespace OpenBekenHub.Flashing.Tests.Images;

/// <summary>The .rbl validator against files written in the documented format (openbeken-ota.md §5), whole and corrupted.</summary>
public sealed class RblValidatorTests
{
    private static readonly byte[] NFile = SyntheticRbl.Build("BK7231N", "1.18.230", rawBytes: 40_000, seed: 7);

    [Fact]
    public void A_release_file_names_its_chip_and_version_from_the_build_literal_not_from_the_header()
    {
        var t = RblValidator.Validate(SyntheticRbl.Build("BK7231T", "1.17.799", rawBytes: 30_000));
        var n = RblValidator.Validate(NFile);

        Assert.Null(t.Error);
        Assert.Equal(("BK7231T", "1.17.799", ""), (t.Chip, t.Version, t.Variant));
        Assert.Equal(("BK7231N", "1.18.230"), (n.Chip, n.Version));
        Assert.Equal(30_000u, t.RawSize);
        // T and N headers carry the same name, algorithms and version field
        Assert.Equal(("app", "-o", 2, 1), (t.Header!.Name, t.Header.Version, (int)t.Header.Encryption, (int)t.Header.Compression));
        Assert.Equal(("app", "-o"), (n.Header!.Name, n.Header.Version));
    }

    [Fact]
    public void The_header_layout_is_the_documented_one()
    {
        var h = NFile.AsSpan(0, 0x60);
        Assert.Equal("52-42-4C-00-02-01-00-00", BitConverter.ToString(h[..8].ToArray()));
        Assert.Equal("app", Encoding.ASCII.GetString(h.Slice(0x0C, 3)));
        Assert.Equal((uint)(NFile.Length - 0x60), BinaryPrimitives.ReadUInt32LittleEndian(h[0x58..]));
        Assert.Equal(40_000u, BinaryPrimitives.ReadUInt32LittleEndian(h[0x54..]));
        // CRC-32 is zlib's; FNV-1a 32 of "a" is the published vector 0xE40C292C
        Assert.Equal(0xCBF43926u, OpenBekenHub.Flashing.Protocol.BkCrc32.Standard("123456789"u8));
        Assert.Equal(0xE40C292Cu, RblHeader.Fnv1a("a"u8));
    }

    [Fact]
    public void A_variant_build_reports_its_variant()
    {
        var info = RblValidator.Validate(SyntheticRbl.Build("BK7231N", "1.18.230_berry", rawBytes: 20_000));
        Assert.Equal(("1.18.230_berry", "berry"), (info.Version, info.Variant));
    }

    [Fact]
    public void Any_changed_header_byte_is_refused()
    {
        for (var i = 0; i < 0x60; i++)
        {
            var bad = (byte[])NFile.Clone();
            bad[i] ^= 0x01;
            var info = RblValidator.Validate(bad);
            Assert.False(info.IsValid, $"header byte 0x{i:X2} changed but accepted");
            Assert.True(i < 4 ? info.Error!.Contains("RBL", StringComparison.Ordinal) : info.Error!.Contains("header is corrupted", StringComparison.Ordinal), $"0x{i:X2}: {info.Error}");
        }
    }

    [Fact]
    public void Any_changed_body_byte_is_refused_by_the_body_crc()
    {
        for (var i = 0x60; i < NFile.Length; i += 997)
        {
            var bad = (byte[])NFile.Clone();
            bad[i] ^= 0x80;
            Assert.Contains("body is corrupted", RblValidator.Validate(bad).Error, StringComparison.Ordinal);
        }
        var last = (byte[])NFile.Clone();
        last[^1] ^= 0xFF;
        Assert.Contains("body is corrupted", RblValidator.Validate(last).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_or_padded_files_are_refused()
    {
        Assert.Contains("truncated", RblValidator.Validate(NFile.AsSpan(0, NFile.Length - 1)).Error, StringComparison.Ordinal);
        Assert.Contains("truncated", RblValidator.Validate(NFile.AsSpan(0, 0x60 + 16)).Error, StringComparison.Ordinal);
        Assert.Contains("extra bytes", RblValidator.Validate([.. NFile, 0xFF]).Error, StringComparison.Ordinal);
        Assert.Contains("without the 'RBL' header", RblValidator.Validate(NFile.AsSpan(0, 0x5F)).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_body_encrypted_with_another_key_is_refused_even_with_correct_crcs()
    {
        var raw = SyntheticRbl.RawApp("BK7231N", "1.18.230", 10_000);
        var file = SyntheticRbl.Pack(raw);
        var gz = Gzip(raw);
        var pad = 16 - (gz.Length % 16);
        byte[] padded = [.. gz, .. Enumerable.Repeat((byte)pad, pad)];
        using var aes = Aes.Create();
        aes.Key = "FEDCBA9876543210FEDCBA9876543210"u8.ToArray();
        var body = aes.EncryptCbc(padded, "0123456789ABCDEF"u8, PaddingMode.None);
        var forged = Rehead(file, body);

        Assert.Contains("does not decrypt to gzip", RblValidator.Validate(forged).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_raw_size_or_hash_is_refused()
    {
        var size = (byte[])NFile.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(size.AsSpan(0x54), 40_001);
        SyntheticRbl.RefreshHeaderCrc(size);
        Assert.Contains("the header says 40,001", RblValidator.Validate(size).Error, StringComparison.Ordinal);

        var hash = (byte[])NFile.Clone();
        hash[0x50] ^= 1;
        SyntheticRbl.RefreshHeaderCrc(hash);
        Assert.Contains("FNV-1a", RblValidator.Validate(hash).Error, StringComparison.Ordinal);

        var algo = (byte[])NFile.Clone();
        algo[5] = 2; // quicklz
        SyntheticRbl.RefreshHeaderCrc(algo);
        Assert.Contains("Not an OpenBeken app package", RblValidator.Validate(algo).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_build_literal_the_chip_is_unknown_and_the_file_is_refused()
    {
        // only the release URL, which names OpenBK7231T in every build, is left
        var raw = SyntheticRbl.RawApp("BK7231N", "1.18.230", 10_000);
        var at = Encoding.Latin1.GetString(raw).IndexOf("OpenBK7231N 1.18.230", StringComparison.Ordinal);
        raw.AsSpan(at, 20).Fill((byte)'x');
        var info = RblValidator.Validate(SyntheticRbl.Pack(raw));
        Assert.Contains("No OpenBeken build literal", info.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_size_is_checked_against_the_chips_ota_partition_and_the_littlefs_gap()
    {
        var bigT = RblValidator.Validate(SyntheticRbl.Build("BK7231T", "1.18.1", rawBytes: 620_000));
        Assert.Contains("Too big for the BK7231T OTA partition", bigT.Error, StringComparison.Ordinal);
        Assert.Contains("614,400", bigT.Error, StringComparison.Ordinal);

        var overLfs = RblValidator.Validate(SyntheticRbl.Build("BK7231T", "1.18.1", rawBytes: 500_000));
        Assert.Null(overLfs.Error);
        Assert.True(overLfs.OverwritesLfs);
        Assert.Equal(495_616u, RblLayout.Bk7231T.GapBeforeLfs);
        Assert.Equal(647_168u, RblLayout.Bk7231N.GapBeforeLfs);
        Assert.False(RblValidator.Validate(NFile).OverwritesLfs);
    }

    [Fact]
    public void Serial_flash_images_and_tuya_ug_packages_are_refused_for_ota_with_the_reason()
    {
        Assert.Contains("'UG' upgrade package", RblValidator.Validate([0x55, 0xAA, 0x55, 0xAA, .. new byte[100]]).Error, StringComparison.Ordinal);
        Assert.Contains("UA serial-flash image", RblValidator.Validate(SyntheticFirmware.Ua(4096)).Error, StringComparison.Ordinal);
        Assert.Contains("QIO serial-flash image", RblValidator.Validate(SyntheticFirmware.Bk7231NQio()).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_simulators_bootloader_and_the_validator_agree()
    {
        var image = SyntheticRbl.Inspect(NFile);
        Assert.Equal((true, "BK7231N", "1.18.230"), (image.Bootable, image.Chip, image.Version));
        Assert.False(SyntheticRbl.Inspect(NFile.AsSpan(0, 4000)).Bootable);
    }

    private static byte[] Gzip(byte[] raw)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gz.Write(raw);
        }
        return ms.ToArray();
    }

    private static byte[] Rehead(byte[] file, byte[] body)
    {
        byte[] result = [.. file.AsSpan(0, 0x60), .. body];
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(0x4C), OpenBekenHub.Flashing.Protocol.BkCrc32.Standard(body));
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(0x58), (uint)body.Length);
        SyntheticRbl.RefreshHeaderCrc(result);
        return result;
    }
}
