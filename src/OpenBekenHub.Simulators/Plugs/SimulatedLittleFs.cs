using System.Buffers.Binary;
using System.Text;

namespace OpenBekenHub.Simulators.Plugs;

/// <summary>
/// The plug's one LittleFS: a 32 KiB block of flash inside the OTA partition (openbeken.md §6, openbeken-ota.md §5).
/// The block is the only storage: the per-file API (<c>/api/lfs</c>) mounts it, <c>/api/fsblock</c> reads and writes it
/// raw, and an OTA file longer than the gap before it overwrites it, after which it no longer mounts (the files are
/// gone) until a backed-up block is written back. The layout inside is simplified (the hub never parses it): the
/// superblock magic <c>littlefs</c>, then records <c>u16 name length, name, u32 size, content</c>, then erased flash.
/// Mounting fails on anything else; writing a file formats an unmountable block first, as the firmware's
/// <c>init_lfs(1)</c> does.
/// </summary>
internal sealed class SimulatedLittleFs
{
    /// <summary>Default LittleFS size on both chips (0x8000, our_lfs.h <c>LFS_BLOCKS_DEFAULT_LEN</c>).</summary>
    public const int Size = 0x8000;

    /// <summary>File bytes that fit: the block less the two blocks littlefs keeps for its own metadata.</summary>
    public const int DataCapacity = Size - (2 * 0x1000);

    private const ushort EndMarker = 0xFFFF;
    private static readonly byte[] Magic = "littlefs"u8.ToArray();

    private readonly Lock _gate = new();
    private byte[]? _block; // null = erased flash, never written

    /// <summary>The raw block, as <c>GET /api/fsblock</c> returns it.</summary>
    public byte[] Block
    {
        get
        {
            lock (_gate)
            {
                return _block is null ? Erased() : (byte[])_block.Clone();
            }
        }
    }

    /// <summary>Writes raw bytes into the block from <paramref name="offset"/> (cut at its end): <c>POST /api/fsblock</c>, or an OTA file running into it.</summary>
    public void WriteRaw(ReadOnlySpan<byte> bytes, int offset = 0)
    {
        lock (_gate)
        {
            var block = _block ??= Erased();
            if (offset < block.Length)
            {
                bytes[..Math.Min(bytes.Length, block.Length - offset)].CopyTo(block.AsSpan(offset));
            }
        }
    }

    public bool Mounts
    {
        get
        {
            lock (_gate)
            {
                return Mount(_block) is not null;
            }
        }
    }

    /// <summary>The files (path → bytes); empty when the block does not mount.</summary>
    public IReadOnlyDictionary<string, byte[]> Files
    {
        get
        {
            lock (_gate)
            {
                return Mount(_block) ?? new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
            }
        }
    }

    public byte[]? Read(string path)
    {
        lock (_gate)
        {
            return Mount(_block) is { } files && files.TryGetValue(path, out var content) ? content : null;
        }
    }

    /// <summary>Writes a file, formatting an unmountable block first. False when it does not fit (LFS_ERR_NOSPC).</summary>
    public bool Write(string path, byte[] content)
    {
        lock (_gate)
        {
            var files = Mount(_block) ?? new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
            if (files.Where(f => f.Key != path).Sum(f => (long)f.Value.Length) + content.Length > DataCapacity)
            {
                return false;
            }
            files[path] = content;
            return Store(files);
        }
    }

    /// <summary>Null when the block does not mount; else whether the file existed.</summary>
    public bool? Delete(string path)
    {
        lock (_gate)
        {
            if (Mount(_block) is not { } files)
            {
                return null;
            }
            return files.Remove(path) && Store(files);
        }
    }

    private bool Store(SortedDictionary<string, byte[]> files)
    {
        var block = Erased();
        Magic.CopyTo(block, 0);
        var at = Magic.Length;
        foreach (var (path, content) in files)
        {
            var name = Encoding.UTF8.GetBytes(path);
            if (at + 2 + name.Length + 4 + content.Length + 2 > block.Length)
            {
                return false;
            }
            BinaryPrimitives.WriteUInt16LittleEndian(block.AsSpan(at), (ushort)name.Length);
            name.CopyTo(block, at + 2);
            BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(at + 2 + name.Length), (uint)content.Length);
            content.CopyTo(block, at + 6 + name.Length);
            at += 6 + name.Length + content.Length;
        }
        _block = block;
        return true;
    }

    private static SortedDictionary<string, byte[]>? Mount(byte[]? block)
    {
        if (block is null || !block.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            return null;
        }
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        var at = Magic.Length;
        while (at + 2 <= block.Length)
        {
            var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(block.AsSpan(at));
            if (nameLength == EndMarker)
            {
                return files;
            }
            if (nameLength == 0 || at + 6 + nameLength > block.Length)
            {
                return null; // corrupt: does not mount
            }
            var path = Encoding.UTF8.GetString(block, at + 2, nameLength);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(block.AsSpan(at + 2 + nameLength));
            var start = at + 6 + nameLength;
            if (size > (uint)(block.Length - start))
            {
                return null;
            }
            files[path] = block.AsSpan(start, (int)size).ToArray();
            at = start + (int)size;
        }
        return files;
    }

    private static byte[] Erased()
    {
        var block = new byte[Size];
        block.AsSpan().Fill(0xFF);
        return block;
    }
}
