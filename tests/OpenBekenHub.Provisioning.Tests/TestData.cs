using System.Runtime.CompilerServices;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Provisioning.Tests;

internal static class TestData
{
    /// <summary>
    /// The shared device list. TestKit finds it from the test binary's folder; with a private --artifacts-path the
    /// binaries live outside the repository, so fall back to the location of this source file.
    /// </summary>
    public static string DeviceTemplatesPath => Find();

    private static string Find([CallerFilePath] string source = "")
    {
        try
        {
            var p = SharedData.DeviceTemplates;
            if (File.Exists(p))
            {
                return p;
            }
        }
        catch (DirectoryNotFoundException)
        {
        }
        var repo = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", ".."));
        return Path.GetFullPath(Path.Combine(repo, "..", "shared", "data", "openbeken-devices.json"));
    }
}
