using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using OpenBekenHub.Flashing.Protocol;

namespace OpenBekenHub.Flashing.Images;

/// <summary>What an .rbl file is, after full validation; <see cref="Error"/> is null when it may be sent over OTA.</summary>
public sealed record RblInfo(
    string? Error,
    string? Chip = null,
    string? Version = null,
    string? Variant = null,
    int Length = 0,
    uint RawSize = 0,
    RblHeader? Header = null)
{
    public bool IsValid => Error is null;

    public RblLayout? Layout => RblLayout.For(Chip);

    /// <summary>True when the file would overwrite the chip's default LittleFS (back it up first).</summary>
    public bool OverwritesLfs => Layout?.OverwritesLfs(Length) == true;
}

/// <summary>
/// Validates an OpenBeken OTA package completely (openbeken-ota.md §5): header CRC-32, enc=AES-256/comp=gzip/name=app,
/// package length, body CRC-32, AES-256-CBC decrypt with OpenBeken's build key/IV, PKCS#7 padding, gunzip, raw
/// size and FNV-1a, then the compiled-in build literal <c>Open&lt;chip&gt; &lt;ver&gt; &lt;date&gt; &lt;time&gt;</c>, which
/// alone tells T from N (the headers are identical), and the size against that chip's OTA partition.
/// UG, UA and QIO files are refused with the reason: the firmware writes any bytes it is given, so they brick it.
/// </summary>
public static partial class RblValidator
{
    /// <summary>The 32 ASCII key bytes OpenBeken's build passes to rt_ota_packaging_tool (-k).</summary>
    public static ReadOnlySpan<byte> Key => "0123456789ABCDEF0123456789ABCDEF"u8;

    /// <summary>The 16 ASCII IV bytes (-i).</summary>
    public static ReadOnlySpan<byte> Iv => "0123456789ABCDEF"u8;

    /// <summary>No BK7231 app is bigger than its 1 MiB-ish app partition; bounds gunzip against a crafted file.</summary>
    public const int MaxRawSize = 2 * 1024 * 1024;

    public static RblInfo Validate(ReadOnlySpan<byte> file)
    {
        if (file.Length >= 4 && file[..4].SequenceEqual((ReadOnlySpan<byte>)[0x55, 0xAA, 0x55, 0xAA]))
        {
            return new("This is a Tuya 'UG' upgrade package (*_UG_*.bin), not an OpenBeken .rbl; sent over OTA it bricks the plug (OpenBeken issue #78).");
        }
        if (file.Length >= 8 && file[..8].SequenceEqual(ImageDetector.UaMagic))
        {
            return new("This is a UA serial-flash image (*_UA_*.bin), not an OTA package; OTA needs Open<chip>_<version>.rbl.");
        }
        if (file.Length >= 0x11008 && file.Slice(0x11000, 8).SequenceEqual(ImageDetector.UaMagic))
        {
            return new("This is a QIO serial-flash image (*_QIO_*.bin, bootloader included), not an OTA package; OTA needs Open<chip>_<version>.rbl.");
        }
        if (file.Length < RblHeader.Size || !file[..4].SequenceEqual(RblHeader.Magic))
        {
            return new($"Not an .rbl OTA package: {file.Length:N0} bytes without the 'RBL' header.");
        }
        var header = RblHeader.Read(file);
        var headerCrc = BkCrc32.Standard(file[..0x5C]);
        if (headerCrc != header.HeaderCrc)
        {
            return new($"The .rbl header is corrupted: its CRC-32 is 0x{headerCrc:X8} but the header says 0x{header.HeaderCrc:X8}.");
        }
        if (header.Encryption != RblHeader.EncryptionAes256 || header.Compression != RblHeader.CompressionGzip || header.Name != "app")
        {
            return new($"Not an OpenBeken app package: encryption {header.Encryption}, compression {header.Compression}, name '{header.Name}' (expected 2 = AES-256, 1 = gzip, 'app').");
        }
        if (RblHeader.Size + (long)header.PackageSize != file.Length)
        {
            return new($"The .rbl is {(RblHeader.Size + (long)header.PackageSize > file.Length ? "truncated" : "followed by extra bytes")}: the header promises {RblHeader.Size + (long)header.PackageSize:N0} bytes, the file has {file.Length:N0}.");
        }
        var body = file[RblHeader.Size..];
        var bodyCrc = BkCrc32.Standard(body);
        if (bodyCrc != header.BodyCrc)
        {
            return new($"The .rbl body is corrupted: its CRC-32 is 0x{bodyCrc:X8} but the header says 0x{header.BodyCrc:X8}.");
        }
        if (body.Length == 0 || body.Length % 16 != 0)
        {
            return new($"The .rbl body ({body.Length:N0} bytes) is not whole AES blocks.");
        }
        var raw = Unpack(body, header.RawSize, out var unpackError);
        if (raw is null)
        {
            return new(unpackError);
        }
        if (RblHeader.Fnv1a(raw) != header.RawHash)
        {
            return new("The unpacked app does not match the header's FNV-1a hash.");
        }
        var (chip, version) = FindBuildLiteral(raw);
        if (chip is null || version is null)
        {
            return new("No OpenBeken build literal ('OpenBK7231T|N <version> <date> <time>') in the unpacked app, so the chip it was built for is unknown; refusing rather than guessing from the file name.");
        }
        var layout = RblLayout.For(chip)!;
        if (file.Length > layout.PartitionSize)
        {
            return new($"Too big for the {chip} OTA partition: {file.Length:N0} bytes, the partition holds {layout.PartitionSize:N0}; the rest would overwrite RF calibration and the config block.",
                chip, version, VariantOf(version), file.Length, header.RawSize, header);
        }
        return new(null, chip, version, VariantOf(version), file.Length, header.RawSize, header);
    }

    /// <summary>The variant suffix of a version: <c>1.18.230_berry</c> → <c>berry</c>; none → empty.</summary>
    public static string VariantOf(string? version)
    {
        if (string.IsNullOrEmpty(version))
        {
            return "";
        }
        var underscore = version.IndexOf('_', StringComparison.Ordinal);
        return underscore < 0 ? "" : version[(underscore + 1)..];
    }

    /// <summary>Finds <c>Open(BK7231T|N) ver Mmm dd yyyy hh:mm:ss</c>; a bare <c>OpenBK7231T</c> (the release URL) does not count.</summary>
    public static (string? Chip, string? Version) FindBuildLiteral(ReadOnlySpan<byte> raw)
    {
        var match = BuildLiteral().Match(Encoding.Latin1.GetString(raw));
        return match.Success ? (match.Groups[1].Value, match.Groups[2].Value) : (null, null);
    }

    private static byte[]? Unpack(ReadOnlySpan<byte> body, uint rawSize, out string error)
    {
        error = "";
        if (rawSize == 0 || rawSize > MaxRawSize)
        {
            error = $"The header's raw size {rawSize:N0} is not a BK7231 app size (1-{MaxRawSize:N0} bytes).";
            return null;
        }
        byte[] plain;
        using (var aes = Aes.Create())
        {
            aes.Key = Key.ToArray();
            plain = aes.DecryptCbc(body, Iv, PaddingMode.None);
        }
        var pad = plain[^1];
        var padded = pad is >= 1 and <= 16 && plain.AsSpan(plain.Length - pad).IndexOfAnyExcept(pad) < 0;
        var gz = padded ? plain.AsMemory(0, plain.Length - pad) : plain.AsMemory();
        try
        {
            using var input = new MemoryStream(gz.ToArray(), writable: false);
            using var gunzip = new GZipStream(input, CompressionMode.Decompress);
            var raw = new byte[rawSize];
            var read = 0;
            while (read < raw.Length)
            {
                var n = gunzip.Read(raw, read, raw.Length - read);
                if (n == 0)
                {
                    break;
                }
                read += n;
            }
            if (read != raw.Length || gunzip.Read(new byte[1], 0, 1) != 0)
            {
                error = $"The unpacked app is {(read < raw.Length ? read.ToString("N0", CultureInfo.InvariantCulture) : "more than " + rawSize.ToString("N0", CultureInfo.InvariantCulture))} bytes, the header says {rawSize:N0}.";
                return null;
            }
            return raw;
        }
        catch (InvalidDataException ex)
        {
            error = $"The .rbl body does not decrypt to gzip data with OpenBeken's key ({ex.Message}).";
            return null;
        }
    }

    [GeneratedRegex(@"Open(BK7231[TN]) (\S+) [A-Z][a-z]{2} [ \d]\d \d{4} \d\d:\d\d:\d\d", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 2000)]
    private static partial Regex BuildLiteral();
}
