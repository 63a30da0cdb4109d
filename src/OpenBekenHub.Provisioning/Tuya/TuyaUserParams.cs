using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace OpenBekenHub.Provisioning.Tuya;

/// <summary>
/// Tuya's <c>user_param_key</c> value: unquoted pseudo-JSON such as <c>{Jsonver:1.1.8,module:CB2S,rl1_pin:26,…}</c>.
/// Parsed into a flat key → text map (nested objects are flattened; the first occurrence of a key wins).
/// </summary>
public static partial class TuyaUserParams
{
    [GeneratedRegex(@"([^{}\[\]:,""]+)")]
    private static partial Regex Token();

    /// <summary>Parses pseudo-JSON or real JSON; falls back to splitting on <c>,</c> and <c>:</c> when it is malformed.</summary>
    public static IReadOnlyDictionary<string, string> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var t = text.Trim().TrimEnd('\0');
        try
        {
            using var doc = JsonDocument.Parse(LooksLikeJson(t) ? t : Quote(t), new JsonDocumentOptions { AllowTrailingCommas = true });
            Flatten(doc.RootElement, result);
            return result;
        }
        catch (JsonException)
        {
            foreach (var pair in t.Trim('{', '}').Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var kv = pair.Split(':', 2);
                if (kv.Length == 2)
                {
                    result.TryAdd(kv[0].Trim(' ', '"', '{', '['), kv[1].Trim(' ', '"', '}', ']'));
                }
            }
            return result;
        }
    }

    /// <summary>
    /// Finds a user_param_key-like text (<c>{…Jsonver:…}</c>, <c>{…,module:…}</c> or <c>{…,crc:…}</c>) in decrypted
    /// bytes, for dumps whose index pages are damaged. Returns null when there is none.
    /// </summary>
    public static string? FindIn(ReadOnlySpan<byte> data)
    {
        foreach (var pattern in new[] { "Jsonver:"u8.ToArray(), ",module:"u8.ToArray(), ",crc:"u8.ToArray() })
        {
            var at = data.IndexOf(pattern);
            if (at < 0)
            {
                continue;
            }
            var start = data[..at].LastIndexOf((byte)'{');
            if (start < 0)
            {
                continue;
            }
            var sb = new StringBuilder();
            var depth = 0;
            for (var i = start; i < data.Length; i++)
            {
                var c = data[i];
                if (c == 0 || c > 126)
                {
                    break;
                }
                if (c < 32)
                {
                    continue;
                }
                sb.Append((char)c);
                depth += c == '{' ? 1 : c == '}' ? -1 : 0;
                if (depth == 0)
                {
                    return sb.ToString();
                }
            }
        }
        return null;
    }

    private static bool LooksLikeJson(string t) => t.Contains('"', StringComparison.Ordinal);

    private static string Quote(string t)
    {
        var q = Token().Replace(t, m => "\"" + m.Groups[1].Value.Trim() + "\"");
        return q.Replace(",}", "}", StringComparison.Ordinal).Replace(",]", "]", StringComparison.Ordinal);
    }

    private static void Flatten(JsonElement e, Dictionary<string, string> into)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            return;
        }
        foreach (var p in e.EnumerateObject())
        {
            switch (p.Value.ValueKind)
            {
                case JsonValueKind.Object:
                    Flatten(p.Value, into);
                    break;
                case JsonValueKind.Array:
                    into.TryAdd(p.Name, p.Value.GetRawText());
                    foreach (var item in p.Value.EnumerateArray())
                    {
                        Flatten(item, into);
                    }
                    break;
                case JsonValueKind.String:
                    into.TryAdd(p.Name, p.Value.GetString() ?? "");
                    break;
                default:
                    into.TryAdd(p.Name, p.Value.GetRawText());
                    break;
            }
        }
    }
}
