namespace OpenBekenHub.Provisioning.Pins;

/// <summary>A channel type (openbeken.md §4.4): the number stored at config 0x39E + channel and the name <c>setChannelType</c> takes.</summary>
public sealed record ChannelType(int Number, string Name)
{
    public override string ToString() => Name + " (" + Number + ")";
}

/// <summary>The channel-type table (firmware enum channelType_e).</summary>
public static class ChannelTypes
{
    public static IReadOnlyList<ChannelType> All { get; } =
    [
        new(0, "Default"),
        new(1, "Error"),
        new(2, "Temperature"),
        new(3, "Humidity"),
        new(4, "Humidity_div10"),
        new(5, "Temperature_div10"),
        new(6, "Toggle"),
        new(7, "Dimmer"),
        new(8, "LowMidHigh"),
        new(9, "TextField"),
        new(10, "ReadOnly"),
        new(11, "OffLowMidHigh"),
        new(12, "OffLowestLowMidHighHighest"),
        new(13, "LowestLowMidHighHighest"),
        new(14, "Dimmer256"),
        new(15, "Dimmer1000"),
        new(16, "Frequency_div100"),
        new(17, "Voltage_div10"),
        new(18, "Power"),
        new(19, "Current_div100"),
        new(20, "ActivePower"),
        new(21, "PowerFactor_div1000"),
        new(22, "ReactivePower"),
        new(23, "EnergyTotal_kWh_div1000"),
        new(24, "EnergyExport_kWh_div1000"),
        new(25, "EnergyToday_kWh_div1000"),
        new(26, "Current_div1000"),
        new(27, "EnergyTotal_kWh_div100"),
        new(28, "OpenClosed"),
        new(29, "OpenClosed_Inv"),
        new(30, "BatteryLevelPercent"),
        new(31, "OffDimBright"),
        new(32, "LowMidHighHighest"),
        new(33, "OffLowMidHighHighest"),
        new(34, "Custom"),
        new(35, "Power_div10"),
        new(36, "ReadOnlyLowMidHigh"),
        new(37, "SmokePercent"),
        new(38, "Illuminance"),
        new(39, "Toggle_Inv"),
        new(40, "OffOnRemember"),
        new(41, "Voltage_div100"),
        new(42, "Temperature_div2"),
        new(43, "TimerSeconds"),
        new(44, "Frequency_div10"),
        new(45, "PowerFactor_div100"),
        new(46, "Pressure_div100"),
        new(47, "Temperature_div100"),
        new(48, "LeakageCurrent_div1000"),
        new(49, "Power_div100"),
        new(50, "Motion"),
        new(51, "ReadOnly_div10"),
        new(52, "ReadOnly_div100"),
        new(53, "ReadOnly_div1000"),
        new(54, "Ph"),
        new(55, "Orp"),
        new(56, "Tds"),
        new(57, "Motion_n"),
        new(58, "Frequency_div1000"),
        new(59, "OpenStopClose"),
        new(60, "Percent"),
        new(61, "StopUpDown"),
        new(62, "EnergyImport_kWh_div1000"),
        new(63, "Enum"),
        new(64, "ReadOnlyEnum"),
        new(65, "Current_div10"),
        new(66, "Illuminance_div10"),
        new(67, "Frequency"),
    ];

    public static ChannelType Default => All[0];

    public static ChannelType? FindByNumber(int number) => number >= 0 && number < All.Count ? All[number] : null;

    /// <summary>By name, case-insensitive.</summary>
    public static ChannelType? FindByName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return All.FirstOrDefault(t => t.Name.Equals(name.Trim(), StringComparison.OrdinalIgnoreCase));
    }
}
