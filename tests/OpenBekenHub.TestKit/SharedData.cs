namespace OpenBekenHub.TestKit;

/// <summary>Finds ../shared (docs, device templates) from the test's working directory.</summary>
public static class SharedData
{
    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OpenBekenHub.sln")))
            {
                dir = dir.Parent;
            }
            return dir?.FullName ?? throw new DirectoryNotFoundException("OpenBekenHub.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>The shared folder beside the repository (../shared), or null when absent.</summary>
    public static string? SharedDir
    {
        get
        {
            var p = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));
            return Directory.Exists(p) ? p : null;
        }
    }

    public static string DeviceTemplates =>
        Path.Combine(SharedDir ?? throw new DirectoryNotFoundException("../shared not found"), "data", "openbeken-devices.json");
}
