using System.Buffers.Binary;
using System.Text;

namespace OpenBekenHub.Flashing.Images;

/// <summary>
/// The 96-byte little-endian RT-OTA header of an .rbl file (openbeken-ota.md §5, as ltchiptool and bk7231tools read
/// it): magic "RBL\0", encryption, compression, timestamp, name, version, sn, body CRC-32, FNV-1a of the raw app,
/// raw size, package size, header CRC-32.
/// </summary>
public sealed record RblHeader(
    byte Encryption,
    byte Compression,
    uint Timestamp,
    string Name,
    string Version,
    string Serial,
    uint BodyCrc,
    uint RawHash,
    uint RawSize,
    uint PackageSize,
    uint HeaderCrc)
{
    public const int Size = 0x60;

    public const byte EncryptionAes256 = 2;

    public const byte CompressionGzip = 1;

    public static ReadOnlySpan<byte> Magic => "RBL\0"u8;

    /// <summary>Reads the fields; the caller checks magic and length first.</summary>
    public static RblHeader Read(ReadOnlySpan<byte> h) => new(
        h[0x04], h[0x05],
        BinaryPrimitives.ReadUInt32LittleEndian(h[0x08..]),
        Text(h.Slice(0x0C, 16)), Text(h.Slice(0x1C, 24)), Text(h.Slice(0x34, 24)),
        BinaryPrimitives.ReadUInt32LittleEndian(h[0x4C..]),
        BinaryPrimitives.ReadUInt32LittleEndian(h[0x50..]),
        BinaryPrimitives.ReadUInt32LittleEndian(h[0x54..]),
        BinaryPrimitives.ReadUInt32LittleEndian(h[0x58..]),
        BinaryPrimitives.ReadUInt32LittleEndian(h[0x5C..]));

    private static string Text(ReadOnlySpan<byte> field)
    {
        var end = field.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? field : field[..end]);
    }

    /// <summary>FNV-1a 32-bit (basis 0x811C9DC5, prime 0x01000193), the header's hash of the raw app.</summary>
    public static uint Fnv1a(ReadOnlySpan<byte> data)
    {
        var hash = 0x811C9DC5u;
        foreach (var b in data)
        {
            hash = (hash ^ b) * 0x01000193u;
        }
        return hash;
    }
}
