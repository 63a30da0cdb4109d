using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenBekenHub.Simulators.Firmware;

namespace OpenBekenHub.Simulators.Plugs;

/// <summary>
/// The configuration part of the firmware's REST API (rest_interface.c), byte-compatible where clients can tell:
/// <c>GET/POST /api/pins</c> (POST sets roles and channels only; channels2 cannot be set here), <c>GET/POST
/// /api/channelTypes</c>, <c>GET/POST /api/lfs/&lt;path&gt;</c> (a folder lists its entries; a missing file system
/// gives 404), <c>GET /api/del/&lt;path&gt;</c>. Errors use the firmware's <c>{"error":code,"msg":..}</c> with that code
/// as the HTTP status (the status line still says OK, see PlugHttpServer).
/// </summary>
internal static class PlugConfigRoutes
{
    /// <summary>jsmn's token budget in http_rest_post_pins/channelTypes: a longer JSON fails to parse.</summary>
    private const int JsonTokenBudget = 128;

    /// <summary>tryGetTokenString refuses strings over 128 characters (deviceCommand is ignored then).</summary>
    private const int MaxJsonValueLength = 128;

    public static (int Code, string Type, string Body, string ExtraHeaders)? TryHandle(SimulatedPlug plug, string method, string path, string body)
    {
        return (method, path) switch
        {
            ("GET", "/api/pins") => Json(200, GetPins(plug)),
            ("POST", "/api/pins") => PostPins(plug, body),
            ("GET", "/api/channelTypes") => Json(200, GetChannelTypes(plug)),
            ("POST", "/api/channelTypes") => PostChannelTypes(plug, body),
            ("GET", _) when path.StartsWith("/api/lfs/", StringComparison.Ordinal) => GetLfs(plug, Uri.UnescapeDataString(path["/api/lfs/".Length..])),
            ("POST", _) when path.StartsWith("/api/lfs/", StringComparison.Ordinal) => PostLfs(plug, Uri.UnescapeDataString(path["/api/lfs/".Length..]), body),
            ("GET", _) when path.StartsWith("/api/del/", StringComparison.Ordinal) => DeleteLfs(plug, Uri.UnescapeDataString(path["/api/del/".Length..])),
            _ => null,
        };
    }

    private static (int, string, string, string) Json(int code, string body) => (code, "application/json", body, "");

    private static (int, string, string, string) RestError(int code, string msg) =>
        Json(code, code == 200 ? $"{{\"success\":{code}, \"msg\":\"{msg}\"}}" : $"{{\"error\":{code}, \"msg\":\"{msg}\"}}");

    private static string GetPins(SimulatedPlug plug)
    {
        var pins = Enumerable.Range(0, SimulatedPlug.GpioCount).Select(plug.GetPin).ToArray();
        var names = new List<string>();
        for (var i = 0; ; i++)
        {
            var n = FirmwareBoot.RoleShortName(i);
            if (n == i.ToString(CultureInfo.InvariantCulture))
            {
                break;
            }
            names.Add(n);
        }
        var sb = new StringBuilder("{\"rolenames\":[");
        sb.AppendJoin(',', names.Select(n => $"\"{n}\""));
        sb.Append("],\"roles\":[").AppendJoin(',', pins.Select(p => p.Role));
        sb.Append("],\"channels\":[").AppendJoin(',', pins.Select(p => p.Channel));
        var lastCh2 = Array.FindLastIndex(pins, p => p.Channel2 != 0);
        if (lastCh2 >= 0)
        {
            sb.Append("],\"channels2\":[").AppendJoin(',', pins.Take(lastCh2 + 1).Select(p => p.Channel2));
        }
        sb.Append("],\"states\":[").AppendJoin(',', pins.Select(p => plug.GetChannel(Math.Clamp(p.Channel, 0, SimulatedPlug.MaxChannel))));
        return sb.Append("]}").ToString();
    }

    private static string GetChannelTypes(SimulatedPlug plug)
    {
        var types = Enumerable.Range(0, SimulatedPlug.ChannelTypeCount).Select(plug.GetChannelType);
        return new JsonObject
        {
            ["typenames"] = new JsonArray(ChannelTypeNames.Select(n => (JsonNode?)n).ToArray()),
            ["types"] = new JsonArray(types.Select(t => (JsonNode?)t).ToArray()),
        }.ToJsonString();
    }

    private static JsonObject? ParseObject(string body)
    {
        try
        {
            var node = JsonNode.Parse(body);
            return node is JsonObject o && CountTokens(o) <= JsonTokenBudget ? o : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static int CountTokens(JsonNode? node) => node switch
    {
        JsonObject o => 1 + o.Sum(p => 1 + CountTokens(p.Value)),
        JsonArray a => 1 + a.Sum(CountTokens),
        _ => 1,
    };

    private static (int, string, string, string) PostPins(SimulatedPlug plug, string body)
    {
        if (ParseObject(body) is not { } o)
        {
            return RestError(400, "Failed to parse JSON");
        }
        if (o["roles"] is JsonArray roles)
        {
            for (var i = 0; i < Math.Min(roles.Count, SimulatedPlug.GpioCount); i++)
            {
                plug.SetPinRole(i, AtoI(roles[i]));
            }
        }
        if (o["channels"] is JsonArray channels)
        {
            for (var i = 0; i < Math.Min(channels.Count, SimulatedPlug.GpioCount); i++)
            {
                plug.SetPinChannel(i, AtoI(channels[i]), null);
            }
        }
        if (o["deviceFlag"] is JsonValue flag && AtoI(flag) is >= 0 and <= 10 and var f)
        {
            plug.Execute($"SetFlag {f} 1");
        }
        if (o["deviceCommand"] is JsonValue command && command.TryGetValue<string>(out var text) && text.Length <= MaxJsonValueLength)
        {
            plug.SetStartupCommand(text);
            plug.Execute(text);
        }
        return RestError(200, "OK");
    }

    private static (int, string, string, string) PostChannelTypes(SimulatedPlug plug, string body)
    {
        if (ParseObject(body) is not { } o)
        {
            return RestError(400, "Failed to parse JSON");
        }
        if (o["types"] is JsonArray types)
        {
            for (var i = 0; i < Math.Min(types.Count, SimulatedPlug.ChannelTypeCount); i++)
            {
                plug.SetChannelType(i, AtoI(types[i]));
            }
        }
        return RestError(200, "OK");
    }

    private static (int, string, string, string) GetLfs(SimulatedPlug plug, string path)
    {
        if (!plug.LfsPresent)
        {
            return (404, "text/plain", "", "");
        }
        if (plug.ReadLfsFile(path) is { } content)
        {
            var type = path.EndsWith(".json", StringComparison.Ordinal) ? "application/json" : "application/octet-stream";
            return (200, type, SimulatedPlug.Utf8(content), "");
        }
        if (plug.IsLfsFolder(path))
        {
            var entries = plug.ListLfs(path).Select(e => $"{{\"name\":\"{e.Name}\",\"type\":{e.Type},\"size\":{e.Size}}}");
            return Json(200, $"{{\"dir\":\"{path}\",\"content\":[{string.Join(',', entries)}]}}");
        }
        return Json(404, $"{{\"fname\":\"{path}\",\"error\":-2}}");
    }

    private static (int, string, string, string) PostLfs(SimulatedPlug plug, string path, string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        if (path.Length == 0 || !plug.WriteLfsFile(path, bytes))
        {
            return Json(500, $"{{\"fname\":\"{path}\",\"error\":-28}}"); // LFS_ERR_NOSPC
        }
        return Json(200, $"{{\"fname\":\"{path}\",\"size\":{bytes.Length}}}");
    }

    private static (int, string, string, string) DeleteLfs(SimulatedPlug plug, string path)
    {
        if (!plug.LfsPresent)
        {
            return (404, "text/plain", "Not found", "");
        }
        return (200, "text/html", plug.DeleteLfsFile(path) ? "OK" : "Error", "");
    }

    private static int AtoI(JsonNode? node) => SimulatedPlug.AtoI(node?.ToJsonString().Trim('"') ?? "");

    /// <summary>g_channelTypeNames, index = type number (openbeken.md §4.4).</summary>
    private static readonly string[] ChannelTypeNames =
    [
        "Default", "Error", "Temperature", "Humidity", "Humidity_div10", "Temperature_div10", "Toggle", "Dimmer", "LowMidHigh",
        "TextField", "ReadOnly", "OffLowMidHigh", "OffLowestLowMidHighHighest", "LowestLowMidHighHighest", "Dimmer256",
        "Dimmer1000", "Frequency_div100", "Voltage_div10", "Power", "Current_div100", "ActivePower", "PowerFactor_div1000",
        "ReactivePower", "EnergyTotal_kWh_div1000", "EnergyExport_kWh_div1000", "EnergyToday_kWh_div1000", "Current_div1000",
        "EnergyTotal_kWh_div100", "OpenClosed", "OpenClosed_Inv", "BatteryLevelPercent", "OffDimBright", "LowMidHighHighest",
        "OffLowMidHighHighest", "Custom", "Power_div10", "ReadOnlyLowMidHigh", "SmokePercent", "Illuminance", "Toggle_Inv",
        "OffOnRemember", "Voltage_div100", "Temperature_div2", "TimerSeconds", "Frequency_div10", "PowerFactor_div100",
        "Pressure_div100", "Temperature_div100", "LeakageCurrent_div1000", "Power_div100", "Motion", "ReadOnly_div10",
        "ReadOnly_div100", "ReadOnly_div1000", "Ph", "Orp", "Tds", "Motion_n", "Frequency_div1000", "OpenStopClose", "Percent",
        "StopUpDown", "EnergyImport_kWh_div1000", "Enum", "ReadOnlyEnum", "Current_div10", "Illuminance_div10", "Frequency",
    ];
}
