using System.Globalization;
using OpenBekenHub.Mqtt.Devices;

namespace OpenBekenHub.Devices;

/// <summary>How a reading is shown: label, unit, scale from the firmware's unit and decimals (pages and device.js share it via data- attributes).</summary>
public sealed record ReadingFormat(string Quantity, string Label, string Unit, double Scale, int Decimals)
{
    /// <summary>The meter's quantities in the firmware's units (W, V, A, Wh) and the diagnostics, in display order.</summary>
    public static readonly IReadOnlyList<ReadingFormat> Meter =
    [
        new("power", "Power", "W", 1, 1),
        new("voltage", "Voltage", "V", 1, 1),
        new("current", "Current", "A", 1, 3),
        new("power_factor", "Power factor", "", 1, 2),
        new("power_apparent", "Apparent power", "VA", 1, 1),
        new("power_reactive", "Reactive power", "var", 1, 1),
        new("energycounter", "Energy (total)", "kWh", 0.001, 3),
        new("energycounter_last_hour", "Energy (last hour)", "Wh", 1, 1),
    ];

    /// <summary>The readings to show for <paramref name="device"/>: meter ones when it meters, then uptime (RSSI is a fact shown once).</summary>
    public static IEnumerable<ReadingFormat> For(Api.DeviceDto device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return device.HasPowerMeter ? Meter : Meter.Where(m => device.Readings.ContainsKey(m.Quantity));
    }

    public string Format(IReadOnlyDictionary<string, double> readings) =>
        readings.TryGetValue(Quantity, out var v) ? Format(v) : "–";

    public string Format(double value) =>
        (value * Scale).ToString("F" + Decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + (Unit.Length > 0 ? " " + Unit : "");

    /// <summary>Uptime as "3 d 4 h", "5 h 12 min" or "8 min".</summary>
    public static string Uptime(long? seconds)
    {
        if (seconds is not { } s || s < 0)
        {
            return "–";
        }
        var t = TimeSpan.FromSeconds(s);
        return t.TotalDays >= 1 ? $"{(int)t.TotalDays} d {t.Hours} h" : t.TotalHours >= 1 ? $"{t.Hours} h {t.Minutes} min" : $"{t.Minutes} min";
    }
}
