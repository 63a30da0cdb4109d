using System.Text.Json;
using System.Text.Json.Nodes;

namespace OpenBekenHub.Hosting;

/// <summary>
/// Settings changed in the pages (broker, discovery prefix) live in <c>&lt;data&gt;/settings.json</c>, a configuration
/// source between appsettings.json and environment/command line, applied at the next start. The file is readable by
/// the hub's user only, since it may hold the external broker's password.
/// </summary>
public sealed class UserSettingsFile(string path)
{
    public const string FileName = "settings.json";

    public string Path { get; } = path;

    public JsonObject Read()
    {
        if (!File.Exists(Path))
        {
            return [];
        }
        return JsonNode.Parse(File.ReadAllText(Path)) as JsonObject ?? [];
    }

    /// <summary>Sets "Section:Key" values (null removes the key) and writes the file atomically.</summary>
    public void Update(IReadOnlyDictionary<string, string?> values)
    {
        var root = Read();
        foreach (var (key, value) in values)
        {
            var parts = key.Split(':');
            var node = root;
            foreach (var part in parts[..^1])
            {
                if (node[part] is not JsonObject child)
                {
                    child = [];
                    node[part] = child;
                }
                node = child;
            }
            if (value is null)
            {
                node.Remove(parts[^1]);
            }
            else
            {
                node[parts[^1]] = value;
            }
        }
        var tmp = Path + ".tmp";
        File.WriteAllText(tmp, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(tmp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        File.Move(tmp, Path, overwrite: true);
    }
}
