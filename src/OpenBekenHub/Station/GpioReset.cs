using System.Device.Gpio;
using Microsoft.Extensions.Options;
using OpenBekenHub.Flashing.Transport;

namespace OpenBekenHub.Station;

/// <summary>
/// Unattended stations, section "Stations": per serial port, a Raspberry Pi GPIO line wired to the module's CEN (through
/// an open-drain transistor or directly, 3.3 V) and/or one switching the plug's supply through a relay, so the catch
/// loop can reset the chip itself and nobody has to touch CEN at the right moment.
/// </summary>
public sealed class StationOptions
{
    public const string SectionName = "Stations";

    public List<StationPortOptions> Ports { get; set; } = [];

    public IEnumerable<string> Validate()
    {
        foreach (var p in Ports)
        {
            if (string.IsNullOrWhiteSpace(p.Port))
            {
                yield return "Stations:Ports:N:Port is required";
            }
            if (p.CenGpio is null && p.PowerGpio is null)
            {
                yield return $"Stations port {p.Port}: set CenGpio and/or PowerGpio";
            }
            if (p.CenGpio is < 0 or > 53 || p.PowerGpio is < 0 or > 53)
            {
                yield return $"Stations port {p.Port}: GPIO numbers are 0-53 (BCM numbering)";
            }
            if (p.PulseMs is < 10 or > 2000 || p.PowerOffMs is < 100 or > 10000)
            {
                yield return $"Stations port {p.Port}: PulseMs 10-2000, PowerOffMs 100-10000";
            }
        }
    }
}

public sealed class StationPortOptions
{
    public string Port { get; set; } = "";

    /// <summary>BCM GPIO driving CEN: pulled low for <see cref="PulseMs"/> to reset the chip.</summary>
    public int? CenGpio { get; set; }

    /// <summary>BCM GPIO switching the plug's supply (relay); used when there is no CEN line, or as a harder reset.</summary>
    public int? PowerGpio { get; set; }

    /// <summary>The relay board switches on at a low level (many cheap boards do).</summary>
    public bool PowerActiveLow { get; set; }

    public int PulseMs { get; set; } = 100;

    public int PowerOffMs { get; set; } = 1500;
}

internal sealed class StationOptionsValidator : IValidateOptions<StationOptions>
{
    public ValidateOptionsResult Validate(string? name, StationOptions options)
    {
        var failures = options.Validate().ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Resets the chip from a GPIO line: a CEN pulse, else a power cycle. Each pulse is bounded in time.</summary>
public sealed class GpioResetStrategy(GpioController controller, StationPortOptions station) : IResetStrategy
{
    public string Name => station.CenGpio is { } cen ? $"GPIO{cen} pulses CEN" : $"GPIO{station.PowerGpio} power-cycles the plug";

    public async Task PulseAsync(IBkLink link, CancellationToken cancellationToken)
    {
        if (station.CenGpio is { } cen)
        {
            Open(cen, PinValue.High);
            controller.Write(cen, PinValue.Low);
            try
            {
                await Task.Delay(station.PulseMs, cancellationToken);
            }
            finally
            {
                controller.Write(cen, PinValue.High); // released even when cancelled: a held CEN keeps the chip in reset
            }
            return;
        }
        var power = station.PowerGpio!.Value;
        var on = station.PowerActiveLow ? PinValue.Low : PinValue.High;
        var off = station.PowerActiveLow ? PinValue.High : PinValue.Low;
        Open(power, on);
        controller.Write(power, off);
        try
        {
            await Task.Delay(station.PowerOffMs, cancellationToken);
        }
        finally
        {
            controller.Write(power, on);
        }
    }

    private void Open(int pin, PinValue initial)
    {
        if (!controller.IsPinOpen(pin))
        {
            controller.OpenPin(pin, PinMode.Output, initial);
        }
    }
}

/// <summary>Finds the reset strategy configured for a port; opens the GPIO controller only when a station needs it.</summary>
public sealed class GpioStations(IOptions<StationOptions> options, Func<GpioController> controllerFactory) : IDisposable
{
    private readonly Lazy<GpioController> _controller = new(controllerFactory);

    public IResetStrategy? For(string port)
    {
        var station = options.Value.Ports.FirstOrDefault(p => p.Port == port);
        return station is null ? null : new GpioResetStrategy(_controller.Value, station);
    }

    public void Dispose()
    {
        if (_controller.IsValueCreated)
        {
            _controller.Value.Dispose();
        }
    }
}
