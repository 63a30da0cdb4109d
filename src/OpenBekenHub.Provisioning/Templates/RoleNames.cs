using OpenBekenHub.Provisioning.Pins;

namespace OpenBekenHub.Provisioning.Templates;

/// <summary>
/// Turns the role names found in templates into roles the firmware accepts (openbeken.md §4.3, §7.1): exact short
/// names; enum names (<c>Relay</c> → <c>Rel</c>, <c>Button</c> → <c>Btn</c>); the same ignoring case, spaces and
/// underscores (<c>SM2135_DAT</c> → <c>SM2135DAT</c>, <c>WiFi_LED_n</c> → <c>WifiLED_n</c>); and a few known
/// misspellings seen in the device list.
/// </summary>
public static class RoleNames
{
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["BP5758_DAT"] = "BP5758D_DAT",
        ["BP5758_CLK"] = "BP5758D_CLK",
        ["Btn_NextColour"] = "Btn_NextColor",
        ["Btn_SmartLed"] = "Btn_SmartLED",
        ["WifiLED_inv"] = "WifiLED_n",
    };

    private static readonly Dictionary<string, PinRole> Compact = BuildCompact();

    /// <summary>The role for a template's role name, or null when no rule recognises it.</summary>
    public static PinRole? Normalize(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }
        var n = name.Trim();
        if (Aliases.TryGetValue(n, out var alias))
        {
            n = alias;
        }
        var exact = PinRoles.FindByShortName(n);
        if (exact is not null)
        {
            return exact;
        }
        var byEnum = PinRoles.All.FirstOrDefault(r => r.EnumName.Equals(n, StringComparison.OrdinalIgnoreCase));
        if (byEnum is not null)
        {
            return byEnum;
        }
        return Compact.GetValueOrDefault(Squash(n));
    }

    /// <summary>True when the firmware's <c>SetPinRole</c> would accept <paramref name="name"/> as it is.</summary>
    public static bool IsAcceptedByFirmware(string name) => PinRoles.FindByShortName(name) is not null;

    private static Dictionary<string, PinRole> BuildCompact()
    {
        var d = new Dictionary<string, PinRole>(StringComparer.Ordinal);
        foreach (var r in PinRoles.All.Skip(1))
        {
            d.TryAdd(Squash(r.ShortName), r);
        }
        foreach (var r in PinRoles.All.Skip(1))
        {
            d.TryAdd(Squash(r.EnumName), r);
        }
        return d;
    }

    private static string Squash(string s) =>
        new(s.Where(c => c != '_' && c != ' ' && c != '-').Select(char.ToLowerInvariant).ToArray());
}
