using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace OpenBekenHub.Provisioning.Tests.Tuya;

/// <summary>
/// Builds a Tuya KV storage the way the documents describe it (bk7231-protocol.md §11), independently of the
/// library's reader: a key block under the master key, then data blocks under the derived data key, each value
/// stored as one index page plus consecutive data pages.
/// </summary>
internal sealed class SyntheticTuyaStorage
{
    private const int Block = 4096;
    private const int Page = 128;
    private readonly List<(string Name, byte[] Value)> _values = [];

    public byte[] DeviceKey { get; init; } = RandomNumberGenerator.GetBytes(16);
    public string KeyPart1 { get; init; } = "8710_2M";
    public uint DataMagic { get; init; } = 0x98761234;

    public SyntheticTuyaStorage Add(string name, string value)
    {
        _values.Add((name, Encoding.ASCII.GetBytes(value)));
        return this;
    }

    public byte[] DataKey()
    {
        var p1 = Encoding.ASCII.GetBytes(KeyPart1);
        var p2 = Encoding.ASCII.GetBytes("HHRRQbyemofrtytf");
        var k = new byte[16];
        for (var i = 0; i < 16; i++)
        {
            k[i] = (byte)((p1[i % 4] + p2[i] + DeviceKey[i]) % 256);
        }
        return k;
    }

    /// <summary>The key block followed by one data block per value (block ids 1, 2, ...).</summary>
    public byte[] Build()
    {
        var result = new List<byte>();
        result.AddRange(Encrypt(KeyBlockPlain(), Encoding.ASCII.GetBytes("qwertyuiopasdfgh")));
        ushort blockId = 1;
        foreach (var (name, value) in _values)
        {
            result.AddRange(Encrypt(DataBlockPlain(blockId++, name, value), DataKey()));
        }
        return result.ToArray();
    }

    /// <summary>A 2 MiB flash of 0xFF with the storage at <paramref name="offset"/>.</summary>
    public byte[] BuildFlash(int offset = 0x1EE000)
    {
        var flash = new byte[0x200000];
        flash.AsSpan().Fill(0xFF);
        Build().CopyTo(flash, offset);
        return flash;
    }

    private byte[] KeyBlockPlain()
    {
        var b = new byte[Block];
        b.AsSpan().Fill(0xFF);
        BinaryPrimitives.WriteUInt32LittleEndian(b, 0x13579753);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), (uint)DeviceKey.Sum(x => x));
        DeviceKey.CopyTo(b, 8);
        return b;
    }

    private byte[] DataBlockPlain(ushort blockId, string name, byte[] value)
    {
        var b = new byte[Block];
        BinaryPrimitives.WriteUInt32LittleEndian(b, DataMagic);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(8), blockId);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(10), 0);
        b[14] = 4;                 // bitmap size in bytes (covers page ids 0..31)
        b[15] = 1 << 1;            // page 1 is the index page
        var dataPages = Math.Max(1, (value.Length + Page - 1) / Page);
        if (1 + dataPages > 31)
        {
            throw new ArgumentException("value too long for one block", nameof(value));
        }
        // index page at page id 1
        var ip = b.AsSpan(Page, Page);
        BinaryPrimitives.WriteUInt32LittleEndian(ip, (uint)value.Sum(x => x));
        BinaryPrimitives.WriteUInt32LittleEndian(ip[4..], (uint)value.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(ip[8..], blockId);
        ip[10] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(ip[11..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(ip[13..], 0);
        var nameBytes = Encoding.ASCII.GetBytes(name + "\0");
        ip[17] = (byte)nameBytes.Length;
        nameBytes.CopyTo(ip[18..]);
        var part = ip[(18 + nameBytes.Length)..];
        BinaryPrimitives.WriteUInt16LittleEndian(part, blockId);
        part[2] = 2;
        part[3] = (byte)(1 + dataPages);
        // data pages from page id 2
        value.CopyTo(b, 2 * Page);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), (uint)b.Skip(8).Sum(x => x));
        return b;
    }

    private static byte[] Encrypt(byte[] plain, byte[] key)
    {
        using var aes = Aes.Create();
        aes.Key = key;
        return aes.EncryptEcb(plain, PaddingMode.None);
    }
}
