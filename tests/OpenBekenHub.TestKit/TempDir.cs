namespace OpenBekenHub.TestKit;

/// <summary>A fresh directory per test, removed at dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir(string prefix = "obkhub-test")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a file still held open by a dying process must not fail the test
        }
    }
}
