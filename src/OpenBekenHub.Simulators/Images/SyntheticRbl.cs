using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using OpenBekenHub.Simulators.Bootloader;

namespace OpenBekenHub.Simulators.Images;

/// <summary>What the simulated bootloader finds in a downloaded .rbl: bootable (with the chip/version it was built for) or not.</summary>
public sealed record RblImage(bool Bootable, string? Chip, string? Version, string Why);

/// <summary>
/// OpenBeken .rbl packages written and read the way rt_ota_packaging_tool / ltchiptool do (openbeken-ota.md §5):
/// gzip the raw app, PKCS#7-pad to 16, AES-256-CBC with OpenBeken's key and IV, 96-byte header with body CRC-32,
/// FNV-1a of the raw app and header CRC-32. A second implementation beside the hub's validator, so each checks the other.
/// </summary>
public static partial class SyntheticRbl
{
    private static readonly byte[] Key = "0123456789ABCDEF0123456789ABCDEF"u8.ToArray();
    private static readonly byte[] Iv = "0123456789ABCDEF"u8.ToArray();

    /// <summary>
    /// A raw app of <paramref name="rawBytes"/> bytes with the build literal <c>Open&lt;chip&gt; &lt;version&gt; &lt;date&gt;</c>
    /// and the release URL that names OpenBK7231T on every chip. Random filler does not compress, so the .rbl size
    /// follows <paramref name="rawBytes"/> (used to reach past the LittleFS gap).
    /// </summary>
    public static byte[] RawApp(string chip, string version, int rawBytes = 200_000, int seed = 1)
    {
        var raw = new byte[rawBytes];
        new Random(seed).NextBytes(raw);
        Put(raw, 0x100, "https://github.com/openshwprojects/OpenBK7231T_App/releases/latest\0");
        Put(raw, rawBytes / 2, $"Open{chip} {version} Jul 24 2026 10:41:55\0");
        return raw;
    }

    /// <summary>An .rbl for <paramref name="chip"/>/<paramref name="version"/>; <paramref name="rawBytes"/> sets its size (about +0.1 %).</summary>
    public static byte[] Build(string chip, string version, int rawBytes = 200_000, int seed = 1) =>
        Pack(RawApp(chip, version, rawBytes, seed));

    /// <summary>Packs a raw app into an .rbl (enc 2, comp 1, name "app", version "-o" like OpenBeken's build).</summary>
    public static byte[] Pack(byte[] raw, uint timestamp = 1_784_889_715)
    {
        byte[] gz;
        using (var ms = new MemoryStream())
        {
            using (var gzip = new GZipStream(ms, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                gzip.Write(raw);
            }
            gz = ms.ToArray();
        }
        var pad = 16 - (gz.Length % 16);
        var padded = new byte[gz.Length + pad];
        gz.CopyTo(padded, 0);
        padded.AsSpan(gz.Length).Fill((byte)pad);
        byte[] body;
        using (var aes = Aes.Create())
        {
            aes.Key = Key;
            body = aes.EncryptCbc(padded, Iv, PaddingMode.None);
        }
        var file = new byte[0x60 + body.Length];
        var h = file.AsSpan(0, 0x60);
        "RBL\0"u8.CopyTo(h);
        h[4] = 2;
        h[5] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(h[0x08..], timestamp);
        Encoding.ASCII.GetBytes("app").CopyTo(h[0x0C..]);
        Encoding.ASCII.GetBytes("-o").CopyTo(h[0x1C..]);
        Encoding.ASCII.GetBytes(new string('0', 23)).CopyTo(h[0x34..]);
        body.CopyTo(file, 0x60);
        BinaryPrimitives.WriteUInt32LittleEndian(h[0x4C..], BootCrc32.Standard(body));
        BinaryPrimitives.WriteUInt32LittleEndian(h[0x50..], Fnv1a(raw));
        BinaryPrimitives.WriteUInt32LittleEndian(h[0x54..], (uint)raw.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(h[0x58..], (uint)body.Length);
        RefreshHeaderCrc(file);
        return file;
    }

    /// <summary>Recomputes the header CRC after a test edited a header field on purpose.</summary>
    public static void RefreshHeaderCrc(byte[] file) =>
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(0x5C), BootCrc32.Standard(file.AsSpan(0, 0x5C)));

    /// <summary>
    /// What the Beken bootloader does with the download area on the next boot, as far as it is known (openbeken-ota.md
    /// §4: it checks the package and ignores a bad one, so the old firmware keeps running). A package built for the
    /// other chip is installed anyway, and its code does not run there.
    /// </summary>
    public static RblImage Inspect(ReadOnlySpan<byte> file)
    {
        if (file.Length < 0x60 || !file[..4].SequenceEqual("RBL\0"u8))
        {
            return new(false, null, null, "no RBL header");
        }
        if (BootCrc32.Standard(file[..0x5C]) != BinaryPrimitives.ReadUInt32LittleEndian(file[0x5C..]))
        {
            return new(false, null, null, "header CRC mismatch");
        }
        var packageSize = BinaryPrimitives.ReadUInt32LittleEndian(file[0x58..]);
        if (file.Length < 0x60 + (long)packageSize)
        {
            return new(false, null, null, $"truncated: {file.Length} of {0x60 + (long)packageSize} bytes");
        }
        var body = file.Slice(0x60, (int)packageSize);
        if (BootCrc32.Standard(body) != BinaryPrimitives.ReadUInt32LittleEndian(file[0x4C..]) || body.Length % 16 != 0)
        {
            return new(false, null, null, "body CRC mismatch");
        }
        try
        {
            byte[] plain;
            using (var aes = Aes.Create())
            {
                aes.Key = Key;
                plain = aes.DecryptCbc(body, Iv, PaddingMode.PKCS7);
            }
            using var gunzip = new GZipStream(new MemoryStream(plain), CompressionMode.Decompress);
            using var raw = new MemoryStream();
            gunzip.CopyTo(raw);
            var match = BuildLiteral().Match(Encoding.Latin1.GetString(raw.GetBuffer(), 0, (int)raw.Length));
            return match.Success
                ? new(true, match.Groups[1].Value, match.Groups[2].Value, "installed")
                : new(true, null, null, "installed, but it is not an OpenBeken build");
        }
        catch (Exception ex) when (ex is CryptographicException or InvalidDataException)
        {
            return new(false, null, null, "does not unpack: " + ex.Message);
        }
    }

    private static void Put(byte[] raw, int offset, string text) => Encoding.ASCII.GetBytes(text).CopyTo(raw, offset);

    private static uint Fnv1a(ReadOnlySpan<byte> data)
    {
        var hash = 0x811C9DC5u;
        foreach (var b in data)
        {
            hash = (hash ^ b) * 0x01000193u;
        }
        return hash;
    }

    [GeneratedRegex(@"Open(BK7231[TN]) (\S+) [A-Z][a-z]{2} [ \d]\d \d{4} \d\d:\d\d:\d\d", RegexOptions.CultureInvariant)]
    private static partial Regex BuildLiteral();
}
