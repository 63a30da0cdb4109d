namespace OpenBekenHub.Provisioning.Pins;

/// <summary>One pin role: the number stored in the config, the firmware enum name, and the short name <c>SetPinRole</c> accepts.</summary>
public sealed record PinRole(int Number, string EnumName, string ShortName)
{
    /// <summary>The name to send with <c>SetPinRole</c>: the short name, or <c>None</c> for role 0 (whose short name is a blank).</summary>
    public string CommandName => Number == 0 ? "None" : ShortName;

    public override string ToString() => CommandName + " (" + Number + ")";
}

/// <summary>Lookup over the pin-role table; the pages render a pin/role editor from <see cref="All"/>.</summary>
public static class PinRoles
{
    public static IReadOnlyList<PinRole> All { get; } = PinRoleTable.Rows;

    public static PinRole None => All[0];
    public static PinRole Relay => All[1];
    public static PinRole RelayInverted => All[2];
    public static PinRole Button => All[3];
    public static PinRole ButtonInverted => All[4];
    public static PinRole Led => All[5];
    public static PinRole LedInverted => All[6];
    public static PinRole Pwm => All[7];
    public static PinRole WifiLed => All[8];
    public static PinRole WifiLedInverted => All[9];
    public static PinRole ButtonToggleAll => All[10];
    public static PinRole DigitalInput => All[12];
    public static PinRole ToggleChannelOnToggle => All[14];
    public static PinRole Bl0937Sel => All[17];
    public static PinRole Bl0937Cf => All[18];
    public static PinRole Bl0937Cf1 => All[19];

    public static PinRole? FindByNumber(int number) => number >= 0 && number < All.Count ? All[number] : null;

    /// <summary>Exact short name as the firmware accepts it (case-insensitive, as the firmware compares), or <c>None</c>.</summary>
    public static PinRole? FindByShortName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Equals("None", StringComparison.OrdinalIgnoreCase))
        {
            return None;
        }
        return All.Skip(1).FirstOrDefault(r => r.ShortName.Equals(name, StringComparison.OrdinalIgnoreCase));
    }
}
