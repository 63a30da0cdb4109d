using OpenBekenHub.Flashing.Transport;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Flashing.Tests.Transport;

public sealed class SerialPortCatalogTests
{
    [Fact]
    public void Lists_usb_adapters_with_their_sysfs_details_and_known_names()
    {
        using var dir = new TempDir("sysfs");
        var usb = Path.Combine(dir.Path, "devices", "usb1", "1-1");
        var iface = Path.Combine(usb, "1-1:1.0", "ttyUSB0");
        Directory.CreateDirectory(iface);
        File.WriteAllText(Path.Combine(usb, "idVendor"), "1a86\n");
        File.WriteAllText(Path.Combine(usb, "idProduct"), "7523\n");
        File.WriteAllText(Path.Combine(usb, "manufacturer"), "QinHeng\n");
        File.WriteAllText(Path.Combine(usb, "product"), "USB Serial\n");
        File.WriteAllText(Path.Combine(usb, "serial"), "A1B2\n");
        var tty = Path.Combine(dir.Path, "class", "tty");
        Directory.CreateDirectory(Path.Combine(tty, "ttyUSB0"));
        Directory.CreateSymbolicLink(Path.Combine(tty, "ttyUSB0", "device"), iface);
        Directory.CreateDirectory(Path.Combine(tty, "tty1")); // a virtual console: no device link

        var ports = SerialPortCatalog.List(dir.Path, "/dev");

        var port = Assert.Single(ports);
        Assert.Equal("/dev/ttyUSB0", port.Path);
        Assert.Equal("1a86:7523", port.UsbId);
        Assert.Equal("CH340", port.AdapterName);
        Assert.Equal("QinHeng", port.Manufacturer);
        Assert.Equal("A1B2", port.SerialNumber);
    }

    [Theory]
    [InlineData("10c4", "ea60", "CP210x")]
    [InlineData("067b", "2303", "PL2303")]
    [InlineData("0403", "6001", "FTDI FT232R")]
    [InlineData("0403", "1234", "FTDI")]
    [InlineData("dead", "beef", null)]
    public void Names_known_adapter_chips(string vid, string pid, string? name)
    {
        Assert.Equal(name, SerialPortCatalog.AdapterName(vid, pid));
    }
}
