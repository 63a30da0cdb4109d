using System.Globalization;

namespace OpenBekenHub.Simulators.Plugs;

/// <summary>One metered quantity as the firmware's meter driver publishes it (<c>&lt;c&gt;/&lt;name&gt;/get</c>).</summary>
public sealed record MeterQuantity(string Name, int Decimals, double Threshold);

/// <summary>
/// The BL0937/BL0942 driver's publish rule: updated once a second; a value is published when it moved past its threshold
/// and at least 5 updates passed, or when 60 updates passed. Values are cut (not rounded) to their decimals.
/// </summary>
public sealed class PowerMeter
{
    public const int MinFrames = 5;
    public const int ForcedFrames = 60;

    public static readonly IReadOnlyList<MeterQuantity> Quantities =
    [
        new("voltage", 1, 0.25),
        new("current", 3, 0.002),
        new("power", 2, 0.25),
        new("power_apparent", 2, 0.25),
        new("power_reactive", 2, 0.25),
        new("power_factor", 2, 0.05),
        new("energycounter", 3, 0.1),
        new("energycounter_last_hour", 3, 0.1),
    ];

    private readonly double[] _lastSent;
    private readonly int[] _framesSince;
    private double _energyLastHourStart;
    private int _secondsInHour;

    public PowerMeter()
    {
        _lastSent = Enumerable.Repeat(double.NaN, Quantities.Count).ToArray();
        _framesSince = Enumerable.Repeat(ForcedFrames, Quantities.Count).ToArray();
    }

    public double Voltage { get; set; } = 230.0;

    public double Current { get; set; }

    public double Power { get; set; }

    /// <summary>Total energy in Wh (the firmware's default unit).</summary>
    public double EnergyWh { get; set; }

    public double ApparentPower => Voltage * Current;

    public double ReactivePower => Math.Sqrt(Math.Max(0, (ApparentPower * ApparentPower) - (Power * Power)));

    public double PowerFactor => ApparentPower <= 0 ? 0 : Math.Min(1, Power / ApparentPower);

    public double EnergyLastHourWh => EnergyWh - _energyLastHourStart;

    public double Value(int index) => index switch
    {
        0 => Voltage,
        1 => Current,
        2 => Power,
        3 => ApparentPower,
        4 => ReactivePower,
        5 => PowerFactor,
        6 => EnergyWh,
        7 => EnergyLastHourWh,
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    /// <summary>Resets the publish memory so the next update sends every value (new MQTT connection).</summary>
    public void ForceNextPublish()
    {
        Array.Fill(_lastSent, double.NaN);
        Array.Fill(_framesSince, ForcedFrames);
    }

    /// <summary>What is plugged in (null = readings only change through <see cref="SimulatedPlug.SetPowerReading"/>).</summary>
    public MeterLoad? Load { get; set; }

    /// <summary>Whether the relay feeding the load is closed (the load draws nothing when it is open).</summary>
    public Func<bool>? RelayClosed { get; set; }

    private double _loadSeconds;

    /// <summary>One driver update (1 s): follows the load, integrates energy and returns the (name, text) pairs to publish now.</summary>
    public IReadOnlyList<(string Name, string Text)> Update(double seconds = 1.0)
    {
        if (Load is { } load)
        {
            _loadSeconds += seconds;
            var closed = RelayClosed?.Invoke() ?? true;
            (Voltage, Power, var pf) = load.At(_loadSeconds, closed);
            Current = Voltage > 0 && pf > 0 ? Power / (Voltage * pf) : 0;
        }
        EnergyWh += Power * seconds / 3600.0;
        if (++_secondsInHour >= 3600)
        {
            _secondsInHour = 0;
            _energyLastHourStart = EnergyWh;
        }
        var output = new List<(string, string)>();
        for (var i = 0; i < Quantities.Count; i++)
        {
            _framesSince[i]++;
            var v = Value(i);
            var moved = double.IsNaN(_lastSent[i]) || Math.Abs(v - _lastSent[i]) > Quantities[i].Threshold;
            if ((moved && _framesSince[i] >= MinFrames) || _framesSince[i] >= ForcedFrames)
            {
                _lastSent[i] = v;
                _framesSince[i] = 0;
                output.Add((Quantities[i].Name, Format(v, Quantities[i].Decimals)));
            }
        }
        return output;
    }

    /// <summary><c>%f</c> then cut to <paramref name="decimals"/> (truncation, as the firmware does).</summary>
    public static string Format(double value, int decimals)
    {
        var text = value.ToString("F6", CultureInfo.InvariantCulture);
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        return decimals == 0 ? text[..dot] : text[..(dot + 1 + decimals)];
    }
}

/// <summary>
/// A load on a metered plug for demos: <paramref name="Watts"/> nominal, slowly wandering (±<paramref name="Swing"/>),
/// switching on and off every <paramref name="CycleSeconds"/> when set (a fridge, a heater), nothing with the relay open.
/// The mains voltage wanders around 230 V whatever the relay does.
/// </summary>
public sealed record MeterLoad(double Watts, double Swing = 0.08, double PowerFactor = 0.95, int CycleSeconds = 0, double DutyCycle = 0.5)
{
    /// <summary>Mains voltage, power and power factor <paramref name="seconds"/> into the run.</summary>
    public (double Voltage, double Watts, double PowerFactor) At(double seconds, bool relayClosed)
    {
        var voltage = 230 + (2.5 * Math.Sin(seconds / 97.0)) + (0.6 * Math.Sin(seconds / 7.3));
        var running = CycleSeconds <= 0 || seconds % CycleSeconds < CycleSeconds * DutyCycle;
        if (!relayClosed || !running)
        {
            return (voltage, 0, 0);
        }
        var wander = 1 + (Swing * Math.Sin(seconds / 41.0)) + (Swing * 0.5 * Math.Sin(seconds / 5.9));
        return (voltage, Watts * wander, PowerFactor);
    }
}
