using Microsoft.Extensions.Options;
using OpenBekenHub.Flashing.Transport;
using OpenBekenHub.Station;

namespace OpenBekenHub.Jobs;

/// <summary>A port the wizard offers: a real adapter from sysfs, or a simulated station (demo mode, tests).</summary>
public sealed record StationPort(string Path, string Label, string? Details, bool Simulated);

/// <summary>
/// The serial ports to flash on: USB adapters found in sysfs, the stations configured under <c>Stations:Ports</c>, and
/// any registered simulated stations. A job may only open a port from this list.
/// </summary>
public sealed class FlashStations(IOptions<StationOptions> configured)
{
    private readonly List<StationPort> _simulated = [];

    public void AddSimulated(string path, string label)
    {
        lock (_simulated)
        {
            _simulated.Add(new StationPort(path, label, "bootloader emulator on a pseudo-terminal", Simulated: true));
        }
    }

    public void RemoveSimulated(string path)
    {
        lock (_simulated)
        {
            _simulated.RemoveAll(p => p.Path == path);
        }
    }

    public IReadOnlyList<StationPort> List()
    {
        var ports = new List<StationPort>();
        lock (_simulated)
        {
            ports.AddRange(_simulated);
        }
        foreach (var p in SerialPortCatalog.List().Where(p => ports.All(x => x.Path != p.Path)))
        {
            var details = p.IsUsb
                ? $"{p.AdapterName ?? "USB serial"} {p.UsbId}{(p.Manufacturer is null ? "" : ", " + p.Manufacturer)}{(p.Product is null ? "" : " " + p.Product)}{(p.SerialNumber is null ? "" : ", serial " + p.SerialNumber)}"
                : p.Driver;
            ports.Add(new StationPort(p.Path, p.Name, details, Simulated: false));
        }
        foreach (var c in configured.Value.Ports.Where(c => ports.All(p => p.Path != c.Port)))
        {
            ports.Add(new StationPort(c.Port, "Configured station", c.CenGpio is { } cen ? $"CEN on GPIO{cen}" : c.PowerGpio is { } pw ? $"power on GPIO{pw}" : null, Simulated: false));
        }
        return ports;
    }

    /// <summary>True when <paramref name="path"/> is exactly one of the listed ports (no path games: no normalising).</summary>
    public bool IsListed(string? path) => !string.IsNullOrEmpty(path) && List().Any(p => p.Path == path);
}
