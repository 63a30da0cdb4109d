using System.Globalization;
using System.Text.Json;
using OpenBekenHub.Provisioning.Errors;

namespace OpenBekenHub.Provisioning.Templates;

/// <summary>
/// The OpenBeken device-template list (<c>{"version":..,"devices":[..]}</c> from OpenBekenIOT/webapp
/// <c>devices.json</c>), loaded once and searched by name, model, chip, board, vendor and keywords.
/// </summary>
public sealed class DeviceTemplateLibrary
{
    private DeviceTemplateLibrary(IReadOnlyList<DeviceTemplate> devices) => Devices = devices;

    public IReadOnlyList<DeviceTemplate> Devices { get; }

    public static DeviceTemplateLibrary Empty { get; } = new([]);

    /// <summary>Parses the JSON text. Throws <see cref="ProvisioningException"/> (BadTemplate) when it is not a device list.</summary>
    public static DeviceTemplateLibrary Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            return FromDocument(doc);
        }
        catch (JsonException ex)
        {
            throw BadList("is not valid JSON: " + ex.Message, ex);
        }
    }

    public static async Task<DeviceTemplateLibrary> LoadAsync(Stream json, CancellationToken cancellationToken = default)
    {
        try
        {
            using var doc = await JsonDocument.ParseAsync(json, new JsonDocumentOptions { AllowTrailingCommas = true }, cancellationToken).ConfigureAwait(false);
            return FromDocument(doc);
        }
        catch (JsonException ex)
        {
            throw BadList("is not valid JSON: " + ex.Message, ex);
        }
    }

    public static async Task<DeviceTemplateLibrary> LoadFileAsync(string path, CancellationToken cancellationToken = default)
    {
        await using var fs = File.OpenRead(path);
        return await LoadAsync(fs, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Devices matching every word of <paramref name="query"/> (case-insensitive, in vendor, name, model, chip, board
    /// or keywords), optionally restricted to a chip and a board; exact name matches first, then by name.
    /// </summary>
    public IReadOnlyList<DeviceTemplate> Search(string? query, string? chip = null, string? board = null, int limit = 50)
    {
        var words = (query ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var q = (query ?? "").Trim();
        return Devices
            .Where(d => string.IsNullOrWhiteSpace(chip) || d.Chip.Equals(chip.Trim(), StringComparison.OrdinalIgnoreCase))
            .Where(d => string.IsNullOrWhiteSpace(board) || d.Board.Contains(board.Trim(), StringComparison.OrdinalIgnoreCase))
            .Where(d => words.All(w => Haystack(d).Any(h => h.Contains(w, StringComparison.OrdinalIgnoreCase))))
            .OrderByDescending(d => d.Name.Equals(q, StringComparison.OrdinalIgnoreCase) || d.DisplayName.Equals(q, StringComparison.OrdinalIgnoreCase))
            .ThenByDescending(d => d.Model.Equals(q, StringComparison.OrdinalIgnoreCase))
            .ThenBy(d => d.DisplayName, StringComparer.OrdinalIgnoreCase)
            .Take(limit)
            .ToList();
    }

    /// <summary>The device whose display name (vendor + name), name or model equals <paramref name="name"/> (case-insensitive); null when none or ambiguous.</summary>
    public DeviceTemplate? FindByName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var n = name.Trim();
        foreach (var key in new Func<DeviceTemplate, string>[] { d => d.DisplayName, d => d.Name, d => d.Model })
        {
            var hits = Devices.Where(d => key(d).Equals(n, StringComparison.OrdinalIgnoreCase)).ToList();
            if (hits.Count == 1)
            {
                return hits[0];
            }
            if (hits.Count > 1)
            {
                return null;
            }
        }
        return null;
    }

    /// <summary>Like <see cref="FindByName"/> but throws a <see cref="ProvisioningException"/> that lists near matches.</summary>
    public DeviceTemplate GetByName(string name)
    {
        var found = FindByName(name);
        if (found is not null)
        {
            return found;
        }
        var near = Search(name, limit: 5).Select(d => "'" + d.DisplayName + "'").ToList();
        throw new ProvisioningException(ProvisioningErrorKind.BadTemplate,
            "No single device template is named '" + name + "'.",
            near.Count > 0 ? "Did you mean " + string.Join(", ", near) + "?" : "Search the template list by model or board.");
    }

    private static IEnumerable<string> Haystack(DeviceTemplate d)
    {
        yield return d.Vendor;
        yield return d.Name;
        yield return d.Model;
        yield return d.Chip;
        yield return d.Board;
        foreach (var k in d.Keywords)
        {
            yield return k;
        }
    }

    private static DeviceTemplateLibrary FromDocument(JsonDocument doc)
    {
        var root = doc.RootElement;
        JsonElement devices;
        if (root.ValueKind == JsonValueKind.Array)
        {
            devices = root;
        }
        else if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("devices", out devices) || devices.ValueKind != JsonValueKind.Array)
        {
            throw BadList("has no \"devices\" array", null);
        }
        var list = new List<DeviceTemplate>();
        foreach (var e in devices.EnumerateArray())
        {
            if (e.ValueKind == JsonValueKind.Object)
            {
                list.Add(ReadDevice(e));
            }
        }
        return new DeviceTemplateLibrary(list);
    }

    private static DeviceTemplate ReadDevice(JsonElement e)
    {
        var pins = new Dictionary<string, string>();
        if (e.TryGetProperty("pins", out var p) && p.ValueKind == JsonValueKind.Object)
        {
            foreach (var prop in p.EnumerateObject())
            {
                pins[prop.Name] = prop.Value.ValueKind == JsonValueKind.String ? prop.Value.GetString() ?? "" : prop.Value.ToString();
            }
        }
        return new DeviceTemplate
        {
            Vendor = Text(e, "vendor"),
            Name = Text(e, "name"),
            Model = Text(e, "model"),
            Chip = Text(e, "chip"),
            Board = Text(e, "board"),
            Pins = pins,
            Flags = ReadFlags(e),
            Command = Text(e, "command"),
            Keywords = e.TryGetProperty("keywords", out var k) && k.ValueKind == JsonValueKind.Array
                ? k.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList()
                : [],
            Image = Text(e, "image"),
            Wiki = Text(e, "wiki"),
        };
    }

    /// <summary><c>flags</c> is a decimal string (sometimes a number); a few old entries carry the same value as a number under <c>flag</c>.</summary>
    private static ulong? ReadFlags(JsonElement e)
    {
        foreach (var key in new[] { "flags", "flag" })
        {
            if (!e.TryGetProperty(key, out var f))
            {
                continue;
            }
            if (f.ValueKind == JsonValueKind.Number && f.TryGetUInt64(out var n))
            {
                return n;
            }
            if (f.ValueKind == JsonValueKind.String && ulong.TryParse(f.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var s))
            {
                return s;
            }
        }
        return null;
    }

    private static string Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString() ?? "",
            JsonValueKind.Number => v.GetRawText(),
            _ => "",
        } : "";

    private static ProvisioningException BadList(string what, Exception? inner) =>
        new(ProvisioningErrorKind.BadTemplate, "The device-template list " + what + ".",
            "Give the OpenBeken device list (OpenBekenIOT/webapp devices.json, shaped {\"devices\":[...]}).", inner);
}
