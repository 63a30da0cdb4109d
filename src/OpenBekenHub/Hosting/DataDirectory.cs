namespace OpenBekenHub.Hosting;

/// <summary>
/// The data directory holds the store (device records, encrypted secrets), backups with the plugs' Wi-Fi/MQTT
/// passwords and the data-protection keys, so it and those files are readable by the hub's user only.
/// </summary>
public static class DataDirectory
{
    public const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates <paramref name="path"/> as 0700, or takes group/other access away from an existing one.</summary>
    public static void EnsureOwnerOnly(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }
        if (!Directory.Exists(path))
        {
            Directory.CreateDirectory(path, OwnerOnlyDirectory);
        }
        Restrict(path);
    }

    /// <summary>Takes group/other access away from an existing file or directory (no-op on Windows or when absent).</summary>
    public static void Restrict(string path)
    {
        if (OperatingSystem.IsWindows() || !Path.Exists(path))
        {
            return;
        }
        var mode = File.GetUnixFileMode(path);
        var owner = mode & (UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (mode != owner)
        {
            File.SetUnixFileMode(path, owner);
        }
    }
}
