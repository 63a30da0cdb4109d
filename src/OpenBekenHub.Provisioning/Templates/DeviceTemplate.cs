using System.Globalization;
using OpenBekenHub.Provisioning.Config;

namespace OpenBekenHub.Provisioning.Templates;

/// <summary>One entry of the OpenBeken device list (<c>devices.json</c>, openbeken.md §7.1), as published.</summary>
public sealed record DeviceTemplate
{
    public string Vendor { get; init; } = "";
    public string Name { get; init; } = "";
    public string Model { get; init; } = "";
    public string Chip { get; init; } = "";
    public string Board { get; init; } = "";
    /// <summary>Pin number (as text) → <c>"Role;channel[;channel2]"</c>, exactly as in the file.</summary>
    public IReadOnlyDictionary<string, string> Pins { get; init; } = new Dictionary<string, string>();
    /// <summary>The <c>flags</c> value (or the old numeric <c>flag</c>), or null.</summary>
    public ulong? Flags { get; init; }
    /// <summary>Short startup command (<c>command</c>), or empty.</summary>
    public string Command { get; init; } = "";
    public IReadOnlyList<string> Keywords { get; init; } = [];
    public string Image { get; init; } = "";
    public string Wiki { get; init; } = "";

    /// <summary>Vendor and name, the label shown in lists and accepted by <c>--template</c>.</summary>
    public string DisplayName => string.IsNullOrWhiteSpace(Vendor) ? Name : Vendor + " " + Name;

    /// <summary>
    /// Converts the pins to firmware role numbers, normalising role names the firmware would reject; entries that
    /// cannot be converted are left out and reported in <see cref="PinTemplate.Warnings"/>.
    /// </summary>
    public PinTemplate ToPinTemplate()
    {
        var pins = new List<PinAssignment>();
        var warnings = new List<string>();
        foreach (var (key, value) in Pins.OrderBy(p => int.TryParse(p.Key, out var n) ? n : int.MaxValue))
        {
            if (!int.TryParse(key.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pin) || pin >= ObkConfigLayout.PinCount)
            {
                warnings.Add($"Pin '{key}' is not a pin number 0-{ObkConfigLayout.PinCount - 1}; skipped.");
                continue;
            }
            var parts = (value ?? "").Split(';');
            var role = RoleNames.Normalize(parts[0]);
            if (role is null)
            {
                warnings.Add($"P{pin}: role '{parts[0].Trim()}' is unknown to the firmware; skipped.");
                continue;
            }
            if (!role.ShortName.Equals(parts[0].Trim(), StringComparison.Ordinal))
            {
                warnings.Add($"P{pin}: role '{parts[0].Trim()}' renamed to '{role.CommandName}'.");
            }
            var ch = ParseChannel(parts, 1, pin, warnings);
            var ch2 = ParseChannel(parts, 2, pin, warnings);
            pins.Add(new PinAssignment(pin, role.Number, ch, ch2));
        }
        return new PinTemplate
        {
            Name = DisplayName,
            Pins = pins,
            Flags = Flags,
            StartupCommand = Command.Trim(),
            Warnings = warnings,
        };
    }

    private static int ParseChannel(string[] parts, int index, int pin, List<string> warnings)
    {
        if (parts.Length <= index || string.IsNullOrWhiteSpace(parts[index]))
        {
            return 0;
        }
        if (int.TryParse(parts[index].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ch) && ch is >= 0 and <= 255)
        {
            return ch;
        }
        warnings.Add($"P{pin}: channel '{parts[index]}' is not a number 0-255; 0 used.");
        return 0;
    }
}
