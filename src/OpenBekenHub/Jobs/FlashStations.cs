using OpenBekenHub.Flashing.Transport;

namespace OpenBekenHub.Jobs;

/// <summary>A port the wizard offers: a real adapter from sysfs, or a simulated station (demo mode, tests).</summary>
public sealed record StationPort(string Path, string Label, string? Details, bool Simulated);

/// <summary>The serial ports to flash on: USB adapters found in sysfs plus any registered simulated stations.</summary>
public sealed class FlashStations
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
        foreach (var p in SerialPortCatalog.List())
        {
            var details = p.IsUsb
                ? $"{p.AdapterName ?? "USB serial"} {p.UsbId}{(p.Manufacturer is null ? "" : ", " + p.Manufacturer)}{(p.Product is null ? "" : " " + p.Product)}{(p.SerialNumber is null ? "" : ", serial " + p.SerialNumber)}"
                : p.Driver;
            ports.Add(new StationPort(p.Path, p.Name, details, Simulated: false));
        }
        return ports;
    }
}
