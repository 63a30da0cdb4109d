using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace OpenBekenHub.Provisioning.Tuya;

/// <summary>
/// Writes a Tuya KV storage in the format <see cref="TuyaKvStorage"/> reads (one value per data block: an index
/// page at page 1, data pages from page 2), for stock-like flash images in demos and end-to-end tests. Real
/// firmware packs values more densely; a reader does not care.
/// </summary>
public static class TuyaKvStorageWriter
{
    private const int MaxValueBytes = (TuyaKvStorage.BlockSize / TuyaKvStorage.PageSize - 2) * TuyaKvStorage.PageSize;

    /// <summary>
    /// The key block followed by one data block per value, encrypted with the BK7231 data key (<c>8710_2M</c> base).
    /// <paramref name="deviceKey"/> defaults to 16 random bytes.
    /// </summary>
    public static byte[] Build(IEnumerable<KeyValuePair<string, string>> values, byte[]? deviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        var key = deviceKey ?? RandomNumberGenerator.GetBytes(16);
        if (key.Length != 16)
        {
            throw new ArgumentException("The device key has 16 bytes.", nameof(deviceKey));
        }
        using var aes = Aes.Create();
        var output = new List<byte>();
        aes.Key = TuyaKvStorage.MasterKey;
        output.AddRange(aes.EncryptEcb(KeyBlock(key), PaddingMode.None));
        aes.Key = TuyaKvStorage.DataKeyCandidates(key).First();
        ushort blockId = 1;
        foreach (var (name, value) in values)
        {
            output.AddRange(aes.EncryptEcb(DataBlock(blockId++, name, Encoding.UTF8.GetBytes(value)), PaddingMode.None));
        }
        return output.ToArray();
    }

    /// <summary>Copies the storage into <paramref name="flash"/> at <paramref name="offset"/> (usually 0x1EE000).</summary>
    public static void WriteInto(byte[] flash, int offset, IEnumerable<KeyValuePair<string, string>> values, byte[]? deviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(flash);
        var storage = Build(values, deviceKey);
        if (offset < 0 || offset + storage.Length > flash.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"The storage ({storage.Length} bytes) does not fit at 0x{offset:X}.");
        }
        storage.CopyTo(flash, offset);
    }

    private static byte[] KeyBlock(byte[] key)
    {
        var b = new byte[TuyaKvStorage.BlockSize];
        b.AsSpan().Fill(0xFF);
        BinaryPrimitives.WriteUInt32LittleEndian(b, TuyaKvStorage.KeyBlockMagic);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), TuyaKvStorage.ByteSum(key));
        key.CopyTo(b, 8);
        return b;
    }

    private static byte[] DataBlock(ushort blockId, string name, byte[] value)
    {
        var nameBytes = Encoding.ASCII.GetBytes(name + "\0");
        if (value.Length > MaxValueBytes || nameBytes.Length > 100)
        {
            throw new ArgumentException($"Value '{name}' is too long for one block ({value.Length} > {MaxValueBytes} bytes).", nameof(value));
        }
        const int page = TuyaKvStorage.PageSize;
        var b = new byte[TuyaKvStorage.BlockSize];
        var s = b.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(s, TuyaKvStorage.DataBlockMagic);
        BinaryPrimitives.WriteUInt16LittleEndian(s[8..], blockId);
        b[14] = 4;          // bitmap bytes
        b[15] = 1 << 1;     // page 1 is an index page
        var dataPages = Math.Max(1, (value.Length + page - 1) / page);
        var ip = s.Slice(page, page);
        BinaryPrimitives.WriteUInt32LittleEndian(ip, TuyaKvStorage.ByteSum(value));
        BinaryPrimitives.WriteUInt32LittleEndian(ip[4..], (uint)value.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(ip[8..], blockId);
        ip[10] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(ip[11..], 1);
        ip[17] = (byte)nameBytes.Length;
        nameBytes.CopyTo(ip[18..]);
        var part = ip[(18 + nameBytes.Length)..];
        BinaryPrimitives.WriteUInt16LittleEndian(part, blockId);
        part[2] = 2;
        part[3] = (byte)(1 + dataPages);
        value.CopyTo(s[(2 * page)..]);
        BinaryPrimitives.WriteUInt32LittleEndian(s[4..], TuyaKvStorage.ByteSum(s[8..]));
        return b;
    }
}
