using System.Globalization;
using System.Text.Json;
using OpenBekenHub.Mqtt.Devices;

namespace OpenBekenHub.Mqtt.Parsing;

/// <summary>
/// Pure translation of one OpenBeken MQTT message (openbeken.md §1.3-1.6, §3.3) into typed observations. The topic is
/// split once; sizes are bounded; nothing here knows about devices, brokers or time. Returns null for messages that are
/// not a plug speaking (an empty <c>&lt;c&gt;/&lt;ch&gt;/get</c> is a request from a controller, not a state).
/// </summary>
public static class ObkMessageParser
{
    /// <summary>Firmware topics are at most 128 bytes (its receive limit); anything much longer is not a plug.</summary>
    public const int MaxTopicLength = 256;

    /// <summary>The largest plug publish is the full STATUS reply (about 1.5 KB); 8 KiB leaves room and bounds the JSON parse.</summary>
    public const int MaxPayloadLength = 8192;

    private static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = 8 };

    public static ObkMessage? Parse(string topic, string payload, bool retained)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentNullException.ThrowIfNull(payload);
        if (topic.Length > MaxTopicLength)
        {
            return null;
        }
        var s1 = topic.IndexOf('/', StringComparison.Ordinal);
        if (s1 <= 0)
        {
            return null;
        }
        var s2 = topic.IndexOf('/', s1 + 1);
        var s3 = s2 < 0 ? -1 : topic.IndexOf('/', s2 + 1);
        if (s3 >= 0)
        {
            return null; // no plug topic we follow has four levels
        }
        var first = topic[..s1];
        if (s2 < 0)
        {
            return Owned(first, retained, payload, p => TopLevel(first, topic[(s1 + 1)..], p));
        }
        var second = topic[(s1 + 1)..s2];
        var third = topic[(s2 + 1)..];
        if (first == "stat")
        {
            return Owned(second, retained, payload, p => Stat(second, third, p));
        }
        if (third != "get" || first is "cmnd" or "tele")
        {
            return null;
        }
        if (payload.Length == 0)
        {
            return null; // a /get request from HA or a script: the plug answers it, it is not the plug's state
        }
        return Owned(first, retained, payload, p => Get(first, second, p));
    }

    private static ObkMessage? Owned(string c, bool retained, string payload, Func<string, Result> parse)
    {
        if (!ObkTopics.IsValidClientTopic(c) || c is "stat" or "cmnd" or "tele")
        {
            return null;
        }
        if (payload.Length > MaxPayloadLength)
        {
            return new ObkMessage(c, retained, [], $"payload of {payload.Length} characters is over the {MaxPayloadLength} limit");
        }
        var r = parse(payload);
        return r.Rejection is not null
            ? new ObkMessage(c, retained, [], r.Rejection)
            : r.Observations is null ? null : new ObkMessage(c, retained, r.Observations);
    }

    private readonly record struct Result(IReadOnlyList<ObkObservation>? Observations, string? Rejection)
    {
        public static Result Of(ObkObservation o) => new([o], null);

        public static Result Bad(string why) => new(null, why);

        /// <summary>A topic shape the hub does not follow: not evidence of anything.</summary>
        public static Result NotOurs => new(null, null);
    }

    private static Result TopLevel(string c, string name, string raw)
    {
        var p = raw.Trim();
        switch (name)
        {
            case "connected":
                return p switch
                {
                    "online" => Result.Of(new ConnectedChanged(c, true)),
                    "offline" => Result.Of(new ConnectedChanged(c, false)),
                    _ => Result.Bad("expected online/offline"),
                };
            case "mac":
                return DeviceRecord.NormalizeMac(p) is { } mac ? Result.Of(new IdentityReported(c, mac, null)) : Result.Bad("not a MAC address");
            case "ip":
                return DeviceAddress.IsAllowed(p) ? Result.Of(new IpReported(c, p)) : Result.Bad("not a private IPv4 or loopback address");
            case "build":
                var (chip, version) = DeviceRecord.ParseBuild(p);
                return version is not null && p.Length <= 128 ? Result.Of(new BuildReported(c, p, chip, version)) : Result.Bad("not an OpenBeken build string");
            case "host":
                return p.Length is > 0 and <= 64 && !p.Any(char.IsControl) ? Result.Of(new HostReported(c, p)) : Result.Bad("bad host name");
            case "rssi":
            case "uptime":
                return Number(p) is { } v ? Result.Of(new DiagnosticReported(c, name, v)) : Result.Bad($"{name} is not a number");
            default:
                return Result.NotOurs; // temp, ssid, ... (not subscribed), homeassistant/status (HA's, not a plug's)
        }
    }

    private static Result Get(string c, string middle, string raw)
    {
        var p = raw.Trim();
        // before channels: "138" is the frequency, not channel 138
        if (ObkTopics.MeterQuantities.Contains(middle))
        {
            return Number(p) is { } v ? Result.Of(new MeterReported(c, middle, v)) : Result.Bad("reading is not a number");
        }
        if (int.TryParse(middle, NumberStyles.None, CultureInfo.InvariantCulture, out var ch))
        {
            if (ch > 64)
            {
                return Result.Bad("channel out of range");
            }
            if (int.TryParse(p, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                return Result.Of(new ChannelReported(c, ch, value));
            }
            // flag 33 publishes channel-type-scaled floats printed with %f
            return Number(p) is { } d && Math.Abs(d) <= int.MaxValue
                ? Result.Of(new ChannelReported(c, ch, (int)Math.Round(d)))
                : Result.Bad("channel value is not a number");
        }
        return Result.NotOurs;
    }

    private static Result Stat(string c, string kind, string payload)
    {
        if (kind.Length is 0 or > 32)
        {
            return Result.Bad("bad stat kind");
        }
        var reply = new StatReplied(c, kind, payload);
        if (kind is not ("RESULT" or "STATUS" or "STATUS2" or "STATUS5"))
        {
            return Result.Of(reply);
        }
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(payload, JsonOptions);
        }
        catch (JsonException)
        {
            return Result.Bad("not JSON");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Result.Bad("not a JSON object");
            }
            var list = new List<ObkObservation>(3);
            if (root.TryGetProperty("StatusNET", out var net) && net.ValueKind == JsonValueKind.Object)
            {
                var mac = DeviceRecord.NormalizeMac(Str(net, "Mac"));
                if (mac is null)
                {
                    return Result.Bad("StatusNET without a MAC address");
                }
                var ip = Str(net, "IPAddress");
                list.Add(new IdentityReported(c, mac, DeviceAddress.IsAllowed(ip) ? ip : null));
            }
            if (root.TryGetProperty("StatusFWR", out var fwr) && fwr.ValueKind == JsonValueKind.Object)
            {
                var (chip, version) = DeviceRecord.ParseBuild(Str(fwr, "Version"));
                var hardware = Str(fwr, "Hardware");
                if (version is not null && (hardware is null || hardware.Length <= 32))
                {
                    var hw = hardware ?? chip;
                    list.Add(new BuildReported(c, $"Open{hw} {version}", hw, version));
                }
            }
            if (kind == "RESULT")
            {
                foreach (var property in root.EnumerateObject())
                {
                    if (!property.Name.StartsWith("POWER", StringComparison.Ordinal) || property.Value.ValueKind != JsonValueKind.String)
                    {
                        continue;
                    }
                    int? index = property.Name.Length == 5 ? null
                        : int.TryParse(property.Name.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= 64 ? n : -1;
                    if (index == -1)
                    {
                        continue;
                    }
                    list.Add(new PowerReported(c, index, property.Value.GetString() == "ON"));
                }
            }
            list.Add(reply);
            return new Result(list, null);
        }
    }

    private static string? Str(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static double? Number(string p) =>
        p.Length <= 32 && double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : null;
}
