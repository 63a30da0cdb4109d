namespace OpenBekenHub.Simulators.Plugs;

/// <summary>
/// The plug's LittleFS (<see cref="SimulatedLittleFs"/>, one block): files through <c>/api/lfs</c>, the raw block
/// through <c>/api/fsblock</c>, and the OTA download area running into it (SimulatedPlug.Ota.cs). It survives restarts,
/// as flash does.
/// </summary>
public sealed partial class SimulatedPlug
{
    /// <summary>Default LittleFS size on both chips (0x8000, our_lfs.h).</summary>
    public const int LittleFsSize = SimulatedLittleFs.Size;

    /// <summary>Default LittleFS size (32 KiB) less the blocks littlefs keeps for its own metadata.</summary>
    public const int LfsDataCapacity = SimulatedLittleFs.DataCapacity;

    private readonly SimulatedLittleFs _littleFs = new();

    /// <summary>The LittleFS block (autoexec.bat and friends) as <c>GET /api/fsblock</c> returns it.</summary>
    public byte[] LittleFsBlock => _littleFs.Block;

    /// <summary>The LittleFS files (path → bytes); empty when the block does not mount (never created, or overwritten by an OTA).</summary>
    public IReadOnlyDictionary<string, byte[]> LfsFiles => _littleFs.Files;

    /// <summary>Writes a LittleFS file (creating the file system, as <c>POST /api/lfs/</c> does). False when it is full.</summary>
    public bool WriteLfsFile(string path, byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        return _littleFs.Write(path, content);
    }

    internal bool LfsPresent => _littleFs.Mounts;

    internal bool DeleteLfsFile(string path) => _littleFs.Delete(path) == true;

    internal byte[]? ReadLfsFile(string path) => _littleFs.Read(path);

    /// <summary><c>POST /api/fsblock</c>: writes the block back; the next file access mounts it.</summary>
    internal void RestoreLittleFs(byte[] block) => _littleFs.WriteRaw(block);

    /// <summary>Entries directly under <paramref name="folder"/> ("" = root): files (type 1) and folders (type 2).</summary>
    internal IReadOnlyList<(string Name, int Type, int Size)> ListLfs(string folder)
    {
        var prefix = folder.Length == 0 ? "" : folder.TrimEnd('/') + "/";
        var entries = new List<(string, int, int)> { (".", 2, 0), ("..", 2, 0) };
        var folders = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (path, content) in _littleFs.Files)
        {
            if (!path.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }
            var rest = path[prefix.Length..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
            {
                entries.Add((rest, 1, content.Length));
            }
            else
            {
                folders.Add(rest[..slash]);
            }
        }
        entries.AddRange(folders.Select(f => (f, 2, 0)));
        return entries;
    }

    internal bool IsLfsFolder(string path)
    {
        if (path.Length == 0)
        {
            return _littleFs.Mounts;
        }
        var prefix = path.TrimEnd('/') + "/";
        return _littleFs.Files.Keys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal));
    }
}
