using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using OpenBekenHub.Provisioning.Errors;

namespace OpenBekenHub.Provisioning.Tuya;

/// <summary>
/// Tuya's encrypted key-value storage in a stock-firmware flash dump (bk7231-protocol.md §11, openbeken.md §7.2;
/// format as bk7231tools' kvstorage and BK7231GUIFlashTool's TuyaConfig read it):
/// <list type="bullet">
/// <item>a 4 KiB key block, AES-128-ECB with the master key <c>qwertyuiopasdfgh</c>: magic 0x13579753, checksum
/// (byte sum of the key), the 16-byte device key, 0xFF padding;</item>
/// <item>4 KiB data blocks, AES-128-ECB with the data key (base key + device key, byte-wise): magic 0x98761234 or
/// 0x135726AB, checksum (byte sum of bytes 8..4095), block id u16, u32, map size u8, page bitmap, padding to 128 B,
/// then 31 pages of 128 B. A set bitmap bit (page ids count from 1) marks an index page naming a value and the
/// data pages (block, first page, last page) that hold it.</item>
/// </list>
/// </summary>
public sealed class TuyaKvStorage
{
    public const int BlockSize = 0x1000;
    public const int PageSize = 128;
    public const uint KeyBlockMagic = 0x13579753;
    public const uint DataBlockMagic = 0x98761234;
    public const uint DataBlockMagicOs3 = 0x135726AB;
    internal static readonly byte[] MasterKey = "qwertyuiopasdfgh"u8.ToArray();
    internal static readonly byte[] KeyPart2 = "HHRRQbyemofrtytf"u8.ToArray();

    /// <summary>Platform base keys: 4-character prefixes combined with <see cref="KeyPart2"/>, BK7231 first.</summary>
    internal static readonly string[] KeyPart1Candidates = ["8710_2M", "8721D", "8711AM_4M", "RDA5981_2M"];

    /// <summary>16-byte bases added to the device key as they are (KeyPart2 alone, and the "null" key).</summary>
    internal static readonly byte[][] FullBaseCandidates = [KeyPart2, Convert.FromHexString("9090a4a4a2c4f2cadadecce4e8f2e8cc")];

    private TuyaKvStorage(int keyBlockOffset, int dataBlockCount, IReadOnlyDictionary<string, byte[]> values, byte[] decryptedData)
    {
        KeyBlockOffset = keyBlockOffset;
        DataBlockCount = dataBlockCount;
        Values = values;
        DecryptedData = decryptedData;
    }

    /// <summary>Flash offset of the key block (usually 0x1EE000 on BK7231).</summary>
    public int KeyBlockOffset { get; }

    /// <summary>Number of data blocks that decrypted with a valid checksum.</summary>
    public int DataBlockCount { get; }

    /// <summary>Every value named by an index page, cut to its length.</summary>
    public IReadOnlyDictionary<string, byte[]> Values { get; }

    /// <summary>All decrypted data blocks, concatenated in flash order (for the fallback text search).</summary>
    public byte[] DecryptedData { get; }

    /// <summary>A value as text (trailing NULs removed), or null.</summary>
    public string? GetString(string name) =>
        Values.TryGetValue(name, out var v) ? Encoding.UTF8.GetString(v).TrimEnd('\0') : null;

    /// <summary>Finds and decrypts the storage. Throws <see cref="ProvisioningException"/> (TuyaConfigNotFound) when absent.</summary>
    public static TuyaKvStorage Open(ReadOnlySpan<byte> flash)
    {
        using var aes = Aes.Create();
        var keyBlocks = FindKeyBlocks(flash, aes);
        if (keyBlocks.Count == 0)
        {
            throw NotFound("No Tuya key block (magic 0x13579753 under the master key) in this dump.");
        }
        List<(int Offset, byte[] Block)>? best = null;
        var bestKeyOffset = -1;
        foreach (var (offset, deviceKey) in keyBlocks)
        {
            foreach (var dataKey in DataKeyCandidates(deviceKey))
            {
                var blocks = DecryptDataBlocks(flash, aes, dataKey);
                if (blocks.Count > (best?.Count ?? 0))
                {
                    best = blocks;
                    bestKeyOffset = offset;
                }
            }
        }
        if (best is null)
        {
            throw NotFound("The Tuya key block was found but no data block decrypts with a valid checksum.");
        }
        var values = ReadValues(best.Select(b => b.Block).ToList());
        var raw = best.SelectMany(b => b.Block).ToArray();
        return new TuyaKvStorage(bestKeyOffset, best.Count, values, raw);
    }

    /// <summary>Like <see cref="Open"/>, returning null instead of throwing.</summary>
    public static TuyaKvStorage? TryOpen(ReadOnlySpan<byte> flash)
    {
        try
        {
            return Open(flash);
        }
        catch (ProvisioningException)
        {
            return null;
        }
    }

    /// <summary>Data key = (P1[i &amp; 3] + P2[i] + deviceKey[i]) mod 256 for each platform prefix P1, then the 16-byte bases.</summary>
    internal static IEnumerable<byte[]> DataKeyCandidates(byte[] deviceKey)
    {
        foreach (var p1 in KeyPart1Candidates.Select(s => Encoding.ASCII.GetBytes(s)))
        {
            var k = new byte[16];
            for (var i = 0; i < 16; i++)
            {
                k[i] = (byte)(p1[i & 3] + KeyPart2[i] + deviceKey[i]);
            }
            yield return k;
        }
        foreach (var b in FullBaseCandidates)
        {
            var k = new byte[16];
            for (var i = 0; i < 16; i++)
            {
                k[i] = (byte)(b[i] + deviceKey[i]);
            }
            yield return k;
        }
    }

    private static List<(int Offset, byte[] DeviceKey)> FindKeyBlocks(ReadOnlySpan<byte> flash, Aes aes)
    {
        aes.Key = MasterKey;
        var found = new List<(int, byte[])>();
        var head = new byte[32];
        for (var ofs = 0; ofs + BlockSize <= flash.Length; ofs += BlockSize)
        {
            aes.DecryptEcb(flash.Slice(ofs, 32), head, PaddingMode.None);
            if (BinaryPrimitives.ReadUInt32LittleEndian(head) != KeyBlockMagic)
            {
                continue;
            }
            var key = head.AsSpan(8, 16).ToArray();
            if (BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(4)) == ByteSum(key))
            {
                found.Add((ofs, key));
            }
        }
        return found;
    }

    private static List<(int Offset, byte[] Block)> DecryptDataBlocks(ReadOnlySpan<byte> flash, Aes aes, byte[] dataKey)
    {
        aes.Key = dataKey;
        var blocks = new List<(int, byte[])>();
        var first = new byte[16];
        for (var ofs = 0; ofs + BlockSize <= flash.Length; ofs += BlockSize)
        {
            aes.DecryptEcb(flash.Slice(ofs, 16), first, PaddingMode.None);
            var magic = BinaryPrimitives.ReadUInt32LittleEndian(first);
            if (magic is not (DataBlockMagic or DataBlockMagicOs3))
            {
                continue;
            }
            var block = aes.DecryptEcb(flash.Slice(ofs, BlockSize), PaddingMode.None);
            if (BinaryPrimitives.ReadUInt32LittleEndian(block.AsSpan(4)) == ByteSum(block.AsSpan(8)))
            {
                blocks.Add((ofs, block));
            }
        }
        return blocks;
    }

    private static Dictionary<string, byte[]> ReadValues(IReadOnlyList<byte[]> blocks)
    {
        // block id → page id (1..31) → page bytes; the first block seen with an id wins (later ones are swap copies).
        var pages = new Dictionary<int, byte[]>();
        var indexes = new List<TuyaIndexPage>();
        foreach (var block in blocks)
        {
            int blockId = BinaryPrimitives.ReadUInt16LittleEndian(block.AsSpan(8));
            if (!pages.TryAdd(blockId, block))
            {
                continue;
            }
            int mapSize = block[14];
            for (var pageId = 1; pageId < BlockSize / PageSize; pageId++)
            {
                var byteIndex = pageId / 8;
                var isIndex = byteIndex < mapSize && (block[15 + byteIndex] & (1 << (pageId % 8))) != 0;
                if (isIndex && TuyaIndexPage.TryParse(block.AsSpan(pageId * PageSize, PageSize), blockId, pageId, out var index))
                {
                    indexes.Add(index);
                }
            }
        }
        var values = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var index in indexes)
        {
            if (values.ContainsKey(index.Name))
            {
                continue;
            }
            var value = new List<byte>();
            var complete = true;
            foreach (var (blockId, firstPage, lastPage) in index.Parts)
            {
                if (!pages.TryGetValue(blockId, out var block) || firstPage < 1 || lastPage >= BlockSize / PageSize || lastPage < firstPage)
                {
                    complete = false;
                    break;
                }
                for (var p = firstPage; p <= lastPage; p++)
                {
                    value.AddRange(block.AsSpan(p * PageSize, PageSize).ToArray());
                }
            }
            if (complete && value.Count >= index.Length)
            {
                values[index.Name] = value.GetRange(0, (int)index.Length).ToArray();
            }
        }
        return values;
    }

    internal static uint ByteSum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        foreach (var b in data)
        {
            sum += b;
        }
        return sum;
    }

    private static ProvisioningException NotFound(string what) =>
        new(ProvisioningErrorKind.TuyaConfigNotFound, what,
            "This may not be a stock Tuya dump (already OpenBeken, erased, or a TuyaMCU device with no pin config); pick a template by hand.");
}

/// <summary>An index page: value name, length and the data-page ranges holding it.</summary>
internal sealed record TuyaIndexPage(string Name, uint Length, IReadOnlyList<(int BlockId, int FirstPage, int LastPage)> Parts)
{
    // Layout (packed, little-endian): crc u32 @0, length u32 @4, block_id u16 @8, page_id u8 @10, parts u16 @11,
    // element u32 @13, name_len u8 @17 (incl. NUL), name @18, then parts of 4 bytes (block u16, first u8, last u8).
    public static bool TryParse(ReadOnlySpan<byte> page, int blockId, int pageId, out TuyaIndexPage index)
    {
        index = null!;
        var length = BinaryPrimitives.ReadUInt32LittleEndian(page[4..]);
        int ownBlock = BinaryPrimitives.ReadUInt16LittleEndian(page[8..]);
        int ownPage = page[10];
        int partCount = BinaryPrimitives.ReadUInt16LittleEndian(page[11..]);
        int nameLen = page[17];
        if (ownBlock != blockId || ownPage != pageId || nameLen == 0 || 18 + nameLen + (4 * partCount) > page.Length)
        {
            return false;
        }
        var nameBytes = page.Slice(18, nameLen);
        var nul = nameBytes.IndexOf((byte)0);
        var name = Encoding.ASCII.GetString(nul < 0 ? nameBytes : nameBytes[..nul]);
        var parts = new List<(int, int, int)>();
        var p = 18 + nameLen;
        for (var i = 0; i < partCount; i++, p += 4)
        {
            parts.Add((BinaryPrimitives.ReadUInt16LittleEndian(page[p..]), page[p + 2], page[p + 3]));
        }
        index = new TuyaIndexPage(name, length, parts);
        return true;
    }
}
