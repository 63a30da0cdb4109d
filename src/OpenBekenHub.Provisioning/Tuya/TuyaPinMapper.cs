using System.Globalization;
using System.Text.RegularExpressions;
using OpenBekenHub.Provisioning.Chips;
using OpenBekenHub.Provisioning.Config;
using OpenBekenHub.Provisioning.Pins;
using OpenBekenHub.Provisioning.Profiles;
using OpenBekenHub.Provisioning.Templates;

namespace OpenBekenHub.Provisioning.Tuya;

/// <summary>
/// Proposes an OpenBeken pin template from Tuya's <c>user_param_key</c> keys (openbeken.md §7.2; the N in a key
/// name becomes the channel). Active levels (<c>rlN_lv</c>) are ignored, as the other tools do: inverted relays
/// or LEDs must be fixed by hand.
/// </summary>
public static partial class TuyaPinMapper
{
    [GeneratedRegex(@"^(?<kind>rl|bt|led|netled|door|onoff|k|rl_on|rl_off)(?<n>\d+)(?:_pin|_magt_pin|pin_pin)?$")]
    private static partial Regex Numbered();

    /// <summary>The chip a Tuya module name implies (the web app's rule: C… or T… → BK7231N, W… → BK7231T), or null.</summary>
    public static ObkChip? ChipForModule(string? module)
    {
        if (string.IsNullOrWhiteSpace(module))
        {
            return null;
        }
        return char.ToUpperInvariant(module.Trim()[0]) switch
        {
            'C' or 'T' => ObkChips.BK7231N,
            'W' => ObkChips.BK7231T,
            _ => null,
        };
    }

    /// <summary>Builds the template. Keys it does not know are listed in the warnings only when they look like pins.</summary>
    public static PinTemplate Propose(IReadOnlyDictionary<string, string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var pins = new SortedDictionary<int, PinAssignment>();
        var warnings = new List<string>();
        var startup = new List<string>();

        void Set(string key, PinRole role, int channel)
        {
            if (!int.TryParse(keys[key], NumberStyles.Integer, CultureInfo.InvariantCulture, out var pin) || pin is < 0 or >= ObkConfigLayout.PinCount)
            {
                warnings.Add($"{key}:{keys[key]} is not a pin number; skipped.");
                return;
            }
            if (pins.TryGetValue(pin, out var existing))
            {
                warnings.Add($"{key}: P{pin} is already {PinRoles.FindByNumber(existing.Role)?.CommandName}; {role.CommandName} ignored.");
                return;
            }
            pins[pin] = new PinAssignment(pin, role.Number, channel);
        }

        foreach (var key in keys.Keys.Order(StringComparer.Ordinal))
        {
            var role = Simple(key);
            if (role is { } r)
            {
                Set(key, r.Role, r.Channel);
                continue;
            }
            var m = Numbered().Match(key);
            if (m.Success && (key.EndsWith("_pin", StringComparison.Ordinal) || m.Groups["kind"].Value == "onoff"))
            {
                var n = int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
                var mapped = m.Groups["kind"].Value switch
                {
                    "rl" => PinRoles.Relay,
                    "bt" or "k" => PinRoles.Button,
                    "led" => PinRoles.Led,
                    "netled" => PinRoles.WifiLedInverted,
                    "door" => PinRoles.DigitalInput,
                    "onoff" => PinRoles.ToggleChannelOnToggle,
                    "rl_on" => PinRoles.FindByShortName("BridgeFWD")!,
                    "rl_off" => PinRoles.FindByShortName("BridgeREV")!,
                    _ => null,
                };
                if (mapped is not null)
                {
                    Set(key, mapped, mapped == PinRoles.WifiLedInverted ? 0 : n);
                }
            }
        }
        AddLedDriver(keys, Set, startup);
        if (keys.TryGetValue("pwmhz", out var hz) && int.TryParse(hz, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
        {
            startup.Add("PWMFrequency " + hz);
        }
        if (keys.ContainsKey("baud"))
        {
            warnings.Add("Tuya key 'baud' found: the device probably talks to a TuyaMCU or a BL0942 over UART; add startDriver TuyaMCU or BL0942 by hand.");
        }
        var module = keys.GetValueOrDefault("module");
        return new PinTemplate
        {
            Name = "Tuya config" + (string.IsNullOrWhiteSpace(module) ? "" : " (" + module + ")"),
            Pins = pins.Values.ToList(),
            StartupCommand = ConfigBuilder.JoinStartup([.. startup]),
            Warnings = warnings,
        };
    }

    private static (PinRole Role, int Channel)? Simple(string key) => key switch
    {
        "rl" or "rl_pin" => (PinRoles.Relay, 0),
        "bt" or "bt_pin" or "reset_pin" => (PinRoles.Button, 0),
        "netled_pin" or "wfst" or "wfst_pin" or "status_led_pin" => (PinRoles.WifiLedInverted, 0),
        "gate_sensor_pin_pin" or "basic_pin_pin" => (PinRoles.DigitalInput, 0),
        "ele_pin" or "epin" => (PinRoles.Bl0937Cf, 0),
        "vi_pin" or "ivpin" => (PinRoles.Bl0937Cf1, 0),
        "sel_pin_pin" or "ivcpin" => (PinRoles.Bl0937Sel, 0),
        "r_pin" => (PinRoles.Pwm, 1),
        "g_pin" => (PinRoles.Pwm, 2),
        "b_pin" => (PinRoles.Pwm, 3),
        "c_pin" => (PinRoles.Pwm, 4),
        "w_pin" => (PinRoles.Pwm, 5),
        "infrr" or "irpin" => (PinRoles.FindByShortName("IRRecv")!, 0),
        "infre" => (PinRoles.FindByShortName("IRSend")!, 0),
        "remote_io" => (PinRoles.FindByShortName("RCRecv")!, 0),
        "total_bt_pin" or "key_pin" => (PinRoles.ButtonToggleAll, 0),
        "mosi" => (PinRoles.FindByShortName("SM16703P_DIN")!, 0),
        "samp_sw_pin" => (PinRoles.FindByShortName("BAT_Relay")!, 0),
        "samp_pin" => (PinRoles.FindByShortName("BAT_ADC")!, 0),
        "backlit_io_pin" => (PinRoles.Led, 0),
        _ => null,
    };

    /// <summary>I2C LED driver chips: which current key is present decides the chip; iicr..iicw give <c>LED_Map</c>.</summary>
    private static void AddLedDriver(IReadOnlyDictionary<string, string> keys, Action<string, PinRole, int> set, List<string> startup)
    {
        if (!keys.ContainsKey("iicscl") || !keys.ContainsKey("iicsda"))
        {
            return;
        }
        string? V(string k) => keys.TryGetValue(k, out var v) && int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out _) ? v : null;
        (string Prefix, string Dat, string Clk, string? Current)? chip =
            V("ehccur") is not null || V("wampere") is not null || V("iicccur") is not null
                ? ("SM2135", "SM2135DAT", "SM2135CLK", $"SM2135_Current {V("ehccur") ?? V("iicccur") ?? V("campere") ?? "1"} {V("ehwcur") ?? V("iicwcur") ?? V("wampere") ?? "1"}")
            : V("dccur") is not null
                ? ("BP5758D", "BP5758D_DAT", "BP5758D_CLK", $"BP5758D_Current {V("drgbcur") ?? "1"} {Math.Max(int.Parse(V("dwcur") ?? "1", CultureInfo.InvariantCulture), int.Parse(V("dccur")!, CultureInfo.InvariantCulture))}")
            : V("cjwcur") is not null
                ? ("BP1658CJ", "BP1658CJ_DAT", "BP1658CJ_CLK", $"BP1658CJ_Current {V("cjccur") ?? "1"} {V("cjwcur")}")
            : V("2235ccur") is not null
                ? ("SM2235", "SM2235DAT", "SM2235CLK", $"SM2235_Current {V("2235ccur")} {V("2235wcur") ?? "1"}")
            : V("kp58wcur") is not null
                ? ("KP18058", "KP18058_DAT", "KP18058_CLK", $"KP18058_Current {V("kp58wcur")} {V("kp58ccur") ?? "1"}")
            : null;
        if (chip is not { } c)
        {
            return;
        }
        set("iicsda", PinRoles.FindByShortName(c.Dat)!, 0);
        set("iicscl", PinRoles.FindByShortName(c.Clk)!, 0);
        if (c.Current is not null)
        {
            startup.Add(c.Current);
        }
        var map = new[] { "iicr", "iicg", "iicb", "iicc", "iicw" }.Select(V).ToList();
        if (map.All(x => x is not null))
        {
            startup.Add("LED_Map " + string.Join(' ', map));
        }
    }
}
