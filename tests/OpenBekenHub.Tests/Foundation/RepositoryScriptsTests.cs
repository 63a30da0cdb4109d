using System.Net;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Tests.Foundation;

/// <summary>
/// ./obkhub and ./run.sh from the repository root, as the README uses them, run through links from a temporary
/// directory so that the test's ./data never lands in the real checkout.
/// </summary>
public sealed class RepositoryScriptsTests
{
    // an incremental Release build on the shared 2-core machine has taken 3 minutes under load
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(10);

    private static string RepositoryRoot =>
        Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", ".."));

    [Fact]
    public async Task Obkhub_builds_release_once_then_runs_the_built_program_without_a_debug_build()
    {
        using var root = CopyOfRoot();
        var debugOutput = Path.Combine(RepositoryRoot, "artifacts", "bin", "OpenBekenHub", "debug");
        var debugExisted = Directory.Exists(debugOutput);

        // the first run builds when the checkout changed since the last build (a fresh clone always)
        await using (var first = ObkhubProcess.StartProgram(Path.Combine(root.Path, "obkhub"), ["--help"], workingDirectory: root.Path))
        {
            Assert.True(await first.WaitForExitAsync(BuildTimeout) == 0, first.Stderr);
            Assert.Contains("admin", first.Stdout, StringComparison.Ordinal);
        }
        Assert.True(File.Exists(Path.Combine(RepositoryRoot, "artifacts", "bin", "OpenBekenHub", "release", ".obkhub-build-stamp")));
        await using var second = ObkhubProcess.StartProgram(Path.Combine(root.Path, "obkhub"), ["admin", "--help"], workingDirectory: root.Path);
        Assert.True(await second.WaitForExitAsync(TimeSpan.FromSeconds(60)) == 0, second.Stderr);

        Assert.Contains("reset-password", second.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("building", second.Stderr, StringComparison.Ordinal);
        Assert.Equal(debugExisted, Directory.Exists(debugOutput));
    }

    [Fact]
    public async Task Run_sh_keeps_the_data_in_data_at_the_repository_root_whatever_the_working_directory()
    {
        using var root = CopyOfRoot();
        using var elsewhere = new TempDir("cwd");
        var port = FreePort.Next();
        await using var hub = ObkhubProcess.StartProgram(Path.Combine(root.Path, "run.sh"),
            ["--urls", $"http://127.0.0.1:{port}", "--Mqtt:Embedded:Port", "0", "--Mqtt:Embedded:ListenOnAllInterfaces", "false"],
            new Dictionary<string, string> { ["OBKHUB_ADMIN_PASSWORD"] = "run-sh-password-1" }, elsewhere.Path);

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await Eventually.TrueAsync(async () => (await http.GetAsync("/health")).StatusCode == HttpStatusCode.OK, BuildTimeout, "the hub answers /health");

        Assert.True(File.Exists(Path.Combine(root.Path, "data", "obkhub.db")), hub.Stdout + hub.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(elsewhere.Path));
        Assert.False(Directory.Exists(Path.Combine(root.Path, "src", "OpenBekenHub", "data")));
    }

    /// <summary>
    /// A directory holding links to the real ./obkhub and ./run.sh: the build happens in the real checkout (obkhub
    /// resolves its link), while run.sh, which keeps the data next to itself, puts it in this directory.
    /// </summary>
    private static TempDir CopyOfRoot()
    {
        var copy = new TempDir("repo");
        foreach (var script in new[] { "obkhub", "run.sh" })
        {
            File.CreateSymbolicLink(Path.Combine(copy.Path, script), Path.Combine(RepositoryRoot, script));
        }
        return copy;
    }
}
