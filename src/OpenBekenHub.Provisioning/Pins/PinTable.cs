using System.Globalization;
using OpenBekenHub.Provisioning.Config;
using OpenBekenHub.Provisioning.Errors;
using OpenBekenHub.Provisioning.Templates;

namespace OpenBekenHub.Provisioning.Pins;

/// <summary>One row of a pin table as a user or a script gives it: the role's short name and its channel.</summary>
public sealed record PinChoice(string Role, int Channel = 0, int Channel2 = 0);

/// <summary>
/// Pin tables as people write them (the wizard's editor, <c>POST /api/jobs/{id}/pins</c>, <c>obkhub flash --pins</c>)
/// turned into a <see cref="PinTemplate"/>, and the question every flash must answer before it ends: will the plug
/// have a channel at all?
/// </summary>
public static class PinTable
{
    /// <summary>
    /// Roles that give the plug a channel the hub and Home Assistant can show (relay, LED, PWM, digital input,
    /// battery relay). Buttons and Wi-Fi LEDs act on channels but create none.
    /// </summary>
    public static IReadOnlySet<string> ChannelRoleNames => ChannelRoles;

    private static readonly HashSet<string> ChannelRoles = new(StringComparer.OrdinalIgnoreCase)
    {
        "Rel", "Rel_n", "LED", "LED_n", "PWM", "PWM_n", "dInput", "dInput_n", "dInput_NoPullUp", "dInput_NoPullUp_n",
        "BAT_Relay", "BAT_Relay_n", "PWM_ScriptOnly", "PWM_ScriptOnly_n",
    };

    /// <summary>The channels the pins give the plug (sorted, distinct); empty when it would have none.</summary>
    public static IReadOnlyList<int> Channels(PinTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        return [.. template.Pins
            .Where(p => PinRoles.FindByNumber(p.Role) is { } role && ChannelRoles.Contains(role.ShortName))
            .Select(p => p.Channel).Distinct().Order()];
    }

    /// <summary>"P26 Rel ch1, P10 Btn ch1" — for logs, job facts and the CLI.</summary>
    public static string Describe(PinTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        return template.Pins.Count == 0 ? "no pins" : string.Join(", ", template.Pins.Select(p => $"P{p.Pin} {p.RoleName} ch{p.Channel}"));
    }

    /// <summary>
    /// Builds a template from <c>{"26": {"role":"Rel","channel":1}}</c> (keys may be "26" or "P26"). Role names are
    /// normalised like the device list's (<see cref="RoleNames"/>); role None rows are dropped. Throws
    /// <see cref="ProvisioningException"/> (BadTemplate) with one line naming the first bad row.
    /// </summary>
    public static PinTemplate FromChoices(IReadOnlyDictionary<string, PinChoice> pins, string name = "chosen pins", PinTemplate? basedOn = null)
    {
        ArgumentNullException.ThrowIfNull(pins);
        if (pins.Count > ObkConfigLayout.PinCount)
        {
            throw Bad($"A pin table has at most {ObkConfigLayout.PinCount} rows, not {pins.Count}.");
        }
        var rows = new SortedDictionary<int, PinAssignment>();
        foreach (var (key, choice) in pins)
        {
            var pin = ParsePin(key);
            if (choice is null || string.IsNullOrWhiteSpace(choice.Role))
            {
                throw Bad($"P{pin}: a role is required (e.g. Rel, Btn, LED; None to leave the pin unused).");
            }
            var role = RoleNames.Normalize(choice.Role) ?? throw Bad($"P{pin}: '{Clip(choice.Role)}' is not a pin role the firmware knows.");
            if (choice.Channel is < 0 or > 255 || choice.Channel2 is < 0 or > 255)
            {
                throw Bad($"P{pin}: channel must be 0-255.");
            }
            if (role.Number == 0)
            {
                continue;
            }
            if (!rows.TryAdd(pin, new PinAssignment(pin, role.Number, choice.Channel, choice.Channel2)))
            {
                throw Bad($"P{pin} is given twice.");
            }
        }
        var same = basedOn is not null && basedOn.Pins.OrderBy(p => p.Pin).SequenceEqual(rows.Values);
        var label = basedOn?.Name is { Length: > 0 } n ? (same ? n : n + " (edited)") : name;
        return (basedOn ?? new PinTemplate()) with { Name = label, Pins = [.. rows.Values] };
    }

    /// <summary>Parses the command line's <c>26=Rel:1,10=Btn:1,8=WifiLED_n</c> (channel defaults to 0).</summary>
    public static PinTemplate Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var choices = new Dictionary<string, PinChoice>(StringComparer.Ordinal);
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = item.Split('=', 2, StringSplitOptions.TrimEntries);
            if (eq.Length != 2)
            {
                throw Bad($"'{Clip(item)}' is not PIN=ROLE[:CHANNEL], e.g. 26=Rel:1.");
            }
            var rc = eq[1].Split(':', 2, StringSplitOptions.TrimEntries);
            var channel = 0;
            if (rc.Length == 2 && !int.TryParse(rc[1], NumberStyles.None, CultureInfo.InvariantCulture, out channel))
            {
                throw Bad($"'{Clip(item)}': the channel is not a number.");
            }
            if (!choices.TryAdd(ParsePin(eq[0]).ToString(CultureInfo.InvariantCulture), new PinChoice(rc[0], channel)))
            {
                throw Bad($"'{Clip(item)}': that pin is given twice.");
            }
        }
        return FromChoices(choices, "--pins");
    }

    /// <summary>The table as the API and the pages write it (pin number as text → role short name and channel).</summary>
    public static IReadOnlyDictionary<string, PinChoice> ToChoices(PinTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        return template.Pins.ToDictionary(p => p.Pin.ToString(CultureInfo.InvariantCulture), p => new PinChoice(p.RoleName, p.Channel, p.Channel2), StringComparer.Ordinal);
    }

    private static int ParsePin(string key)
    {
        var k = (key ?? "").Trim();
        if (k.StartsWith('P') || k.StartsWith('p'))
        {
            k = k[1..];
        }
        return int.TryParse(k, NumberStyles.None, CultureInfo.InvariantCulture, out var pin) && pin < ObkConfigLayout.PinCount
            ? pin
            : throw Bad($"'{Clip(key ?? "")}' is not a pin number 0-{ObkConfigLayout.PinCount - 1}.");
    }

    private static string Clip(string s) => s.Length > 24 ? s[..24] + "…" : s;

    private static ProvisioningException Bad(string message) =>
        new(ProvisioningErrorKind.BadTemplate, message, "Give each pin a role short name (Rel, Btn, LED, WifiLED_n, …) and a channel 0-255.");
}
