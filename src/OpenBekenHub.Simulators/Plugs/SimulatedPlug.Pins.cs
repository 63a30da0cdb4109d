using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using OpenBekenHub.Simulators.Firmware;

namespace OpenBekenHub.Simulators.Plugs;

/// <summary>
/// The pin configuration as the firmware keeps it (<c>SetPinRole</c>/<c>SetPinChannel</c>, <c>GET /api/pins</c>,
/// drivers follow at the next boot) and its log memory: a 4096-byte ring read over HTTP by <c>GET /lograw</c>, which
/// returns what was logged since the previous HTTP read (firmware <c>logging.c</c>).
/// </summary>
public sealed partial class SimulatedPlug
{
    /// <summary>BK7231 pin count in <c>/api/pins</c> (PLATFORM_GPIO_MAX).</summary>
    public const int PinCount = 29;

    public const int LogSize = 4096;

    private readonly Lock _pinGate = new();
    private readonly StringBuilder _logRing = new();
    private Dictionary<int, PinAssignment>? _pinMap;
    private int _logHttpTail;

    /// <summary>The pins in the plug's configuration now (changed by commands at once; drivers use them after a restart).</summary>
    public IReadOnlyList<PinAssignment> Pins
    {
        get
        {
            lock (_pinGate)
            {
                return [.. PinMap.Values.OrderBy(p => p.Pin)];
            }
        }
    }

    private Dictionary<int, PinAssignment> PinMap => _pinMap ??= Settings.Pins.ToDictionary(p => p.Pin);

    /// <summary>
    /// Logs the command (the firmware's CMD feature) and runs <c>SetPinRole &lt;pin&gt; &lt;shortName|None&gt;</c> and
    /// <c>SetPinChannel &lt;pin&gt; &lt;ch&gt; [ch2]</c>; false when it is not a pin command.
    /// </summary>
    private bool RunPinCommand(string upper, string args)
    {
        AddLog($"Info:CMD:[WebApp Cmd '{upper} {args}' Result] OK");
        var parts = args.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (upper is not ("SETPINROLE" or "SETPINCHANNEL"))
        {
            return false;
        }
        if (parts.Length < 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pin) || pin >= PinCount)
        {
            AddLog($"Error:CMD:{upper} needs a pin 0-{PinCount - 1} and a value");
            return true;
        }
        lock (_pinGate)
        {
            var current = PinMap.GetValueOrDefault(pin) ?? new PinAssignment(pin, " ", 0);
            if (upper == "SETPINROLE")
            {
                // the firmware takes short names only (openbeken.md §4.2); an unknown name changes nothing
                var role = parts[1].Equals("None", StringComparison.OrdinalIgnoreCase) ? " " : KnownRole(parts[1]);
                if (role is null)
                {
                    AddLog($"Error:CMD:Unknown role {parts[1]}");
                    return true;
                }
                current = current with { Role = role };
            }
            else
            {
                var ints = Ints(args);
                current = current with { Channel = ints.Length > 1 ? ints[1] : 0, Channel2 = ints.Length > 2 ? ints[2] : 0 };
            }
            if (current.Role == " " && current.Channel == 0 && current.Channel2 == 0)
            {
                PinMap.Remove(pin);
            }
            else
            {
                PinMap[pin] = current;
            }
        }
        return true;
    }

    private static string? KnownRole(string name)
    {
        for (var i = 1; ; i++)
        {
            var known = FirmwareBoot.RoleShortName(i);
            if (int.TryParse(known, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                return null;
            }
            if (known.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return known;
            }
        }
    }

    private static int RoleNumber(string shortName)
    {
        for (var i = 0; ; i++)
        {
            var known = FirmwareBoot.RoleShortName(i);
            if (known == shortName)
            {
                return i;
            }
            if (int.TryParse(known, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                return 0;
            }
        }
    }

    /// <summary>At boot the drivers follow the configured pins: relay and input channels are taken from them.</summary>
    private void ApplyPinsAtBoot()
    {
        lock (_pinGate)
        {
            var pins = PinMap.Values.ToList();
            _relays.Clear();
            _relays.UnionWith(pins.Where(p => p.Role is "Rel" or "Rel_n").Select(p => p.Channel));
            _inputs.Clear();
            _inputs.UnionWith(pins.Where(p => p.Role.StartsWith("dInput", StringComparison.Ordinal)).Select(p => p.Channel));
        }
        AddLog($"Info:MAIN:Boot, {_relays.Count} relay channel(s)");
    }

    /// <summary><c>GET /api/pins</c>: role numbers, channels and channel values per pin.</summary>
    internal JsonObject ApiPins()
    {
        var roles = new JsonArray();
        var channels = new JsonArray();
        var states = new JsonArray();
        var rolenames = new JsonArray();
        for (var i = 0; ; i++)
        {
            var name = FirmwareBoot.RoleShortName(i);
            if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                break;
            }
            rolenames.Add(name);
        }
        lock (_pinGate)
        {
            for (var pin = 0; pin < PinCount; pin++)
            {
                var p = PinMap.GetValueOrDefault(pin);
                roles.Add(p is null ? 0 : RoleNumber(p.Role));
                channels.Add(p?.Channel ?? 0);
                states.Add(p is null ? 0 : GetChannel(Math.Clamp(p.Channel, 0, MaxChannel)));
            }
        }
        return new JsonObject { ["rolenames"] = rolenames, ["roles"] = roles, ["channels"] = channels, ["states"] = states };
    }

    /// <summary>Appends a line to the log memory (CR LF terminated; the oldest bytes are overwritten).</summary>
    internal void AddLog(string line)
    {
        lock (_logRing)
        {
            _logRing.Append(line).Append("\r\n");
            if (_logRing.Length > LogSize)
            {
                var drop = _logRing.Length - LogSize;
                _logRing.Remove(0, drop);
                _logHttpTail = Math.Max(0, _logHttpTail - drop);
            }
        }
    }

    /// <summary><c>GET /lograw</c>: everything logged since the last HTTP read (one shared tail, as in the firmware).</summary>
    internal string ReadLogForHttp()
    {
        lock (_logRing)
        {
            var text = _logRing.ToString(_logHttpTail, _logRing.Length - _logHttpTail);
            _logHttpTail = _logRing.Length;
            return text;
        }
    }
}
