using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OpenBekenHub.Configs;

/// <summary>One LittleFS file (e.g. <c>autoexec.bat</c>), content as base64 so binary files survive JSON.</summary>
public sealed record LfsFile(string Path, string ContentBase64)
{
    [JsonIgnore]
    public byte[] Content => Convert.FromBase64String(ContentBase64);

    [JsonIgnore]
    public int Size => (ContentBase64.Length * 3 / 4) - ContentBase64.Count(c => c == '=');

    public static LfsFile From(string path, byte[] content) => new(path, Convert.ToBase64String(content));
}

/// <summary>
/// What the hub reads from a plug's REST API as its configuration (openbeken.md §3.4): names, MQTT topics, the low 32
/// flag bits (all the API exposes), pin roles and channels, the 64 channel types, the startup command and the LittleFS
/// files. Passwords are not in it: the API never returns them. <see cref="Chip"/> and <see cref="Build"/> describe where
/// it came from and are not part of the content that makes a new version.
/// </summary>
public sealed record ConfigSnapshot
{
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;

    public string? Chip { get; init; }

    public string? Build { get; init; }

    public string? Mac { get; init; }

    public required string ShortName { get; init; }

    public required string ClientTopic { get; init; }

    public string? GroupTopic { get; init; }

    public string? MqttHost { get; init; }

    public uint Flags { get; init; }

    public string StartupCommand { get; init; } = "";

    public IReadOnlyList<int> PinRoles { get; init; } = [];

    public IReadOnlyList<int> PinChannels { get; init; } = [];

    public IReadOnlyList<int> PinChannels2 { get; init; } = [];

    public IReadOnlyList<int> ChannelTypes { get; init; } = [];

    public IReadOnlyList<LfsFile> Files { get; init; } = [];

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ConfigSnapshot FromJson(string json) =>
        JsonSerializer.Deserialize<ConfigSnapshot>(json, Json) ?? throw new JsonException("empty configuration");

    /// <summary>SHA-256 of the content (files sorted, origin fields left out): equal hashes = nothing changed.</summary>
    public string ContentHash()
    {
        var content = this with { Chip = null, Build = null, Mac = null, Files = [.. Files.OrderBy(f => f.Path, StringComparer.Ordinal)] };
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content.ToJson())));
    }

    /// <summary>
    /// The content as named lines (<c>pin P26</c> → <c>Rel ch1</c>, <c>file autoexec.bat</c> → text, ...), the unit of
    /// the diff view. Values that might hold a password are masked (see <see cref="SecretText"/>).
    /// </summary>
    public IReadOnlyDictionary<string, string> Flatten()
    {
        var lines = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["name.short"] = ShortName,
            ["mqtt.client"] = ClientTopic,
            ["mqtt.group"] = GroupTopic ?? "",
            ["mqtt.host"] = MqttHost ?? "",
            ["startup command"] = SecretText.Mask(StartupCommand),
        };
        for (var bit = 0; bit < 32; bit++)
        {
            if ((Flags & (1u << bit)) != 0)
            {
                lines[string.Create(CultureInfo.InvariantCulture, $"flag {bit:00}")] = "on";
            }
        }
        for (var pin = 0; pin < PinRoles.Count; pin++)
        {
            var role = PinRoles[pin];
            var ch2 = pin < PinChannels2.Count ? PinChannels2[pin] : 0;
            if (role != 0 || ch2 != 0)
            {
                var ch = pin < PinChannels.Count ? PinChannels[pin] : 0;
                lines[string.Create(CultureInfo.InvariantCulture, $"pin P{pin:00}")] =
                    string.Create(CultureInfo.InvariantCulture, $"{Provisioning.Pins.PinRoles.FindByNumber(role)?.ShortName ?? role.ToString(CultureInfo.InvariantCulture)} ch{ch}{(ch2 != 0 ? $" ch2 {ch2}" : "")}");
            }
        }
        for (var ch = 0; ch < ChannelTypes.Count; ch++)
        {
            if (ChannelTypes[ch] != 0)
            {
                lines[string.Create(CultureInfo.InvariantCulture, $"channel type {ch:00}")] = ChannelTypeName(ChannelTypes[ch]);
            }
        }
        foreach (var f in Files)
        {
            lines["file " + f.Path] = SecretText.Mask(FileText(f));
        }
        return lines;
    }

    /// <summary>A file as text for the diff view (binary files as a size and hash line).</summary>
    public static string FileText(LfsFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var bytes = file.Content;
        var text = Encoding.UTF8.GetString(bytes);
        return text.Contains('\0', StringComparison.Ordinal) || text.Contains('\uFFFD', StringComparison.Ordinal)
            ? string.Create(CultureInfo.InvariantCulture, $"(binary, {bytes.Length} bytes, sha256 {Convert.ToHexStringLower(SHA256.HashData(bytes))[..16]})")
            : text;
    }

    private static string ChannelTypeName(int type)
    {
        return Provisioning.Pins.ChannelTypes.FindByNumber(type)?.Name ?? type.ToString(CultureInfo.InvariantCulture);
    }
}
