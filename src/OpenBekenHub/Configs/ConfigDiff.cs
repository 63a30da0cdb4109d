using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;

namespace OpenBekenHub.Configs;

public enum ConfigChangeKind
{
    Added,
    Removed,
    Changed,
}

/// <summary>One line of a text diff: <c>+</c>, <c>-</c> or <c> </c> and the text.</summary>
public sealed record DiffLine(char Mark, string Text);

/// <summary>One changed item; multi-line values (files, long startup commands) also carry a line diff.</summary>
public sealed record ConfigChange(string Item, ConfigChangeKind Kind, string? Old, string? New, IReadOnlyList<DiffLine>? Lines);

/// <summary>Item-by-item comparison of two configurations (on their <see cref="ConfigSnapshot.Flatten"/> form).</summary>
public static class ConfigDiff
{
    /// <summary>Items the restore writes back; MQTT topics and host stay as they are on the target plug.</summary>
    public static bool IsRestorable(string item) => !item.StartsWith("mqtt.", StringComparison.Ordinal);

    public static IReadOnlyList<ConfigChange> Compare(ConfigSnapshot older, ConfigSnapshot newer)
    {
        ArgumentNullException.ThrowIfNull(older);
        ArgumentNullException.ThrowIfNull(newer);
        var a = older.Flatten();
        var b = newer.Flatten();
        var changes = new List<ConfigChange>();
        foreach (var item in a.Keys.Union(b.Keys).Order(StringComparer.Ordinal))
        {
            var had = a.TryGetValue(item, out var old);
            var has = b.TryGetValue(item, out var now);
            if (had && has && old == now)
            {
                continue;
            }
            var kind = !had ? ConfigChangeKind.Added : !has ? ConfigChangeKind.Removed : ConfigChangeKind.Changed;
            changes.Add(new ConfigChange(item, kind, old, now, IsMultiLine(old) || IsMultiLine(now) ? LineDiff(old ?? "", now ?? "") : null));
        }
        return changes;
    }

    private static bool IsMultiLine(string? text) => text is not null && text.Contains('\n', StringComparison.Ordinal);

    private static List<DiffLine> LineDiff(string old, string now)
    {
        var lines = InlineDiffBuilder.Diff(old, now, ignoreWhiteSpace: false).Lines
            .Select(l => new DiffLine(l.Type switch { ChangeType.Inserted => '+', ChangeType.Deleted => '-', _ => ' ' }, l.Text ?? ""))
            .ToList();
        while (lines.Count > 0 && lines[^1] is { Mark: ' ', Text: "" })
        {
            lines.RemoveAt(lines.Count - 1); // the empty line after a final newline
        }
        return lines;
    }
}
