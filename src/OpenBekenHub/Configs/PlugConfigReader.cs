using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OpenBekenHub.Mqtt.Devices;

namespace OpenBekenHub.Configs;

/// <summary>
/// Reads a plug's configuration over its REST API (rest_interface.c): <c>/api/info</c> (names, client topic, host,
/// low flags, startup command, MAC), <c>/cm?cmnd=STATUS</c> (group topic), <c>/api/pins</c>, <c>/api/channelTypes</c>,
/// <c>/api/lfs/</c> (folder listings, then each file). Every value is checked for type, range and length; anything
/// out of bounds fails the read rather than being stored cut.
/// </summary>
public sealed partial class PlugConfigReader(PlugHttp http)
{
    private const int MaxPins = 64;
    private const int MaxChannelTypes = 128;
    private const int MaxFolderDepth = 4;

    public async Task<ConfigSnapshot> ReadAsync(PlugTarget target, string? expectedMac, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(target);
        var info = await http.GetJsonAsync(target, "/api/info", ct);
        var mac = DeviceRecord.NormalizeMac(Text(info, "mac", 32, target));
        if (expectedMac is not null && mac != DeviceRecord.NormalizeMac(expectedMac))
        {
            throw new PlugHttpException($"{target}: that address is now answered by another plug (MAC {mac ?? "?"}, expected {expectedMac}).");
        }
        var status = await http.GetJsonAsync(target, "/cm?cmnd=STATUS", ct);
        var group = status["StatusPRM"] is JsonObject prm ? Text(prm, "GroupTopic", 64, target) : null;
        var pins = await http.GetJsonAsync(target, "/api/pins", ct);
        var roles = Ints(pins, "roles", MaxPins, 0, 255, target) ?? throw new PlugHttpException($"{target}: /api/pins has no roles.");
        var channels = Pad(Ints(pins, "channels", MaxPins, 0, 255, target), roles.Count);
        var channels2 = Pad(Ints(pins, "channels2", MaxPins, 0, 255, target), roles.Count);
        var types = await http.GetJsonAsync(target, "/api/channelTypes", ct);
        var flags = Text(info, "flags", 20, target);
        return new ConfigSnapshot
        {
            Chip = Text(info, "chipset", 32, target),
            Build = Text(info, "build", 128, target),
            Mac = mac,
            ShortName = Text(info, "shortName", 64, target) ?? "",
            ClientTopic = Text(info, "mqtttopic", 64, target) ?? "",
            GroupTopic = group,
            MqttHost = Text(info, "mqtthost", 160, target),
            // "%ld" of the low word: a 32-bit signed print on the chip, so bit 31 shows as a negative number
            Flags = long.TryParse(flags, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var f) ? unchecked((uint)f) : 0,
            StartupCommand = Text(info, "startcmd", 4096, target) ?? "",
            PinRoles = roles,
            PinChannels = channels,
            PinChannels2 = channels2,
            ChannelTypes = Ints(types, "types", MaxChannelTypes, 0, 255, target) ?? [],
            Files = await ReadFilesAsync(target, ct),
        };
    }

    private async Task<IReadOnlyList<LfsFile>> ReadFilesAsync(PlugTarget target, CancellationToken ct)
    {
        var files = new List<LfsFile>();
        var folders = new Queue<(string Path, int Depth)>();
        folders.Enqueue(("", 0));
        while (folders.TryDequeue(out var folder))
        {
            var listing = await http.GetAsync(target, "/api/lfs/" + EscapePath(folder.Path), http.Options.MaxJsonBytes, notFoundIsNull: true, ct);
            if (listing is null)
            {
                return []; // no LittleFS on this plug (it is created by the first file written)
            }
            var dir = PlugHttp.ParseObject(target, "/api/lfs/" + folder.Path, listing);
            if (dir["content"] is not JsonArray content)
            {
                throw new PlugHttpException($"{target}: the LittleFS listing of '{folder.Path}' has no content.");
            }
            foreach (var entry in content.OfType<JsonObject>())
            {
                if (entry.ContainsKey("error"))
                {
                    throw new PlugHttpException($"{target}: LittleFS listing error {entry["error"]?.ToJsonString()} in '{folder.Path}'.");
                }
                var name = Text(entry, "name", 64, target);
                if (name is null or "." or "..")
                {
                    continue;
                }
                var path = folder.Path.Length == 0 ? name : folder.Path + "/" + name;
                if (!IsSafePath(path))
                {
                    throw new PlugHttpException($"{target}: LittleFS holds '{path}', a name the hub does not handle.");
                }
                var type = entry["type"] is JsonValue t && t.TryGetValue<int>(out var ti) ? ti : 0;
                if (type == 2 && folder.Depth < MaxFolderDepth)
                {
                    folders.Enqueue((path, folder.Depth + 1));
                }
                else if (type == 1)
                {
                    if (files.Count >= http.Options.MaxFiles)
                    {
                        throw new PlugHttpException($"{target}: LittleFS holds more than {http.Options.MaxFiles} files (Configs:MaxFiles).");
                    }
                    var bytes = await http.GetAsync(target, "/api/lfs/" + EscapePath(path), http.Options.MaxFileBytes, notFoundIsNull: false, ct);
                    files.Add(LfsFile.From(path, bytes!));
                }
            }
        }
        return [.. files.OrderBy(f => f.Path, StringComparer.Ordinal)];
    }

    /// <summary>LittleFS paths the hub reads and writes: short, printable, no parent references.</summary>
    public static bool IsSafePath(string path) => path.Length <= 96 && SafePath().IsMatch(path) && !path.Split('/').Contains("..");

    public static string EscapePath(string path) => string.Join('/', path.Split('/').Select(Uri.EscapeDataString));

    [GeneratedRegex(@"^[A-Za-z0-9_\-\.]+(/[A-Za-z0-9_\-\.]+)*$")]
    private static partial Regex SafePath();

    private static string? Text(JsonObject o, string key, int max, PlugTarget target)
    {
        if (o[key] is not JsonValue v)
        {
            return null;
        }
        var text = v.TryGetValue<string>(out var s) ? s : v.ToJsonString();
        if (text.Length > max)
        {
            throw new PlugHttpException($"{target}: '{key}' is longer than {max} characters; refused.");
        }
        return text;
    }

    private static List<int>? Ints(JsonObject o, string key, int maxCount, int min, int max, PlugTarget target)
    {
        if (o[key] is not JsonArray a)
        {
            return null;
        }
        if (a.Count > maxCount)
        {
            throw new PlugHttpException($"{target}: '{key}' has {a.Count} entries (at most {maxCount}); refused.");
        }
        var list = new List<int>(a.Count);
        foreach (var item in a)
        {
            if (item is not JsonValue v || !v.TryGetValue<int>(out var n) || n < min || n > max)
            {
                throw new PlugHttpException($"{target}: '{key}' holds {item?.ToJsonString() ?? "null"}, not a number in {min}..{max}.");
            }
            list.Add(n);
        }
        return list;
    }

    private static List<int> Pad(List<int>? values, int count)
    {
        var list = values ?? [];
        while (list.Count < count)
        {
            list.Add(0);
        }
        return list.Count > count ? list[..count] : list;
    }
}
