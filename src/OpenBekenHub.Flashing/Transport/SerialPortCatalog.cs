namespace OpenBekenHub.Flashing.Transport;

/// <summary>A serial port found on the host, with USB details when it sits behind a USB adapter.</summary>
public sealed record SerialPortInfo(
    string Path,
    string Name,
    string? VendorId,
    string? ProductId,
    string? Manufacturer,
    string? Product,
    string? SerialNumber,
    string? Driver,
    string? AdapterName)
{
    public bool IsUsb => VendorId is not null;

    public string UsbId => IsUsb ? $"{VendorId}:{ProductId}" : "";
}

/// <summary>
/// Lists serial ports from Linux sysfs (<c>/sys/class/tty</c>): USB adapters (ttyUSB, ttyACM) with VID:PID,
/// manufacturer, product and serial; on-board UARTs (ttyAMA, ttyS with a real device). Known adapter chips are named.
/// </summary>
public static class SerialPortCatalog
{
    private static readonly Dictionary<string, string> KnownAdapters = new(StringComparer.OrdinalIgnoreCase)
    {
        ["1a86:7523"] = "CH340",
        ["1a86:5523"] = "CH341",
        ["1a86:55d4"] = "CH9102",
        ["1a86:7522"] = "CH340K",
        ["10c4:ea60"] = "CP210x",
        ["10c4:ea70"] = "CP2105",
        ["067b:2303"] = "PL2303",
        ["067b:23a3"] = "PL2303GC",
        ["0403:6001"] = "FTDI FT232R",
        ["0403:6010"] = "FTDI FT2232",
        ["0403:6011"] = "FTDI FT4232",
        ["0403:6014"] = "FTDI FT232H",
        ["0403:6015"] = "FTDI FT231X",
    };

    /// <summary>Name of a known USB-serial chip for a VID:PID, or null.</summary>
    public static string? AdapterName(string? vendorId, string? productId)
    {
        if (vendorId is null || productId is null)
        {
            return null;
        }
        if (KnownAdapters.TryGetValue($"{vendorId}:{productId}", out var name))
        {
            return name;
        }
        return vendorId.ToLowerInvariant() switch
        {
            "1a86" => "CH34x",
            "10c4" => "CP210x",
            "067b" => "PL2303",
            "0403" => "FTDI",
            _ => null,
        };
    }

    /// <summary>Lists ports. <paramref name="sysRoot"/> and <paramref name="devRoot"/> can point at a fake tree in tests.</summary>
    public static IReadOnlyList<SerialPortInfo> List(string sysRoot = "/sys", string devRoot = "/dev")
    {
        var result = new List<SerialPortInfo>();
        var ttyClass = Path.Combine(sysRoot, "class", "tty");
        if (!Directory.Exists(ttyClass))
        {
            return result;
        }
        foreach (var entry in Directory.EnumerateFileSystemEntries(ttyClass).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(entry);
            var deviceLink = Path.Combine(entry, "device");
            if (!Directory.Exists(deviceLink))
            {
                continue; // virtual consoles, ptys
            }
            var driver = LinkTargetName(Path.Combine(deviceLink, "driver"));
            var usbDir = FindUsbDevice(deviceLink);
            if (usbDir is null && name.StartsWith("ttyS", StringComparison.Ordinal) && ReadAttr(entry, "type") == "0")
            {
                continue; // legacy 8250 placeholders (type 0 = no UART behind them), present on every PC
            }
            var vid = ReadAttr(usbDir, "idVendor");
            var pid = ReadAttr(usbDir, "idProduct");
            result.Add(new SerialPortInfo(
                Path.Combine(devRoot, name),
                name,
                vid,
                pid,
                ReadAttr(usbDir, "manufacturer"),
                ReadAttr(usbDir, "product"),
                ReadAttr(usbDir, "serial"),
                driver,
                AdapterName(vid, pid)));
        }
        return result;
    }

    private static string? FindUsbDevice(string deviceLink)
    {
        string? dir;
        try
        {
            dir = new DirectoryInfo(deviceLink).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(deviceLink);
        }
        catch (IOException)
        {
            return null;
        }
        for (var i = 0; i < 6 && dir is not null; i++)
        {
            if (File.Exists(Path.Combine(dir, "idVendor")))
            {
                return dir;
            }
            dir = Path.GetDirectoryName(dir);
        }
        return null;
    }

    private static string? LinkTargetName(string path)
    {
        try
        {
            var info = new DirectoryInfo(path);
            var target = info.LinkTarget;
            return target is null ? null : Path.GetFileName(target.TrimEnd('/'));
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string? ReadAttr(string? dir, string name)
    {
        if (dir is null)
        {
            return null;
        }
        var path = Path.Combine(dir, name);
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
