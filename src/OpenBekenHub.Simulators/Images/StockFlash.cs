using System.Globalization;
using OpenBekenHub.Simulators.Bootloader;

namespace OpenBekenHub.Simulators.Images;

/// <summary>
/// A 2 MiB flash as a plug leaves the Tuya factory, close enough for the hub's job: the bootloader (with the real
/// fingerprint), an app at 0x11000, and the RF calibration sector ("TLV\0") holding the plug's MAC at +0x24
/// (bk7231-protocol.md §7.5). Used by demo mode and the end-to-end tests.
/// </summary>
public static class StockFlash
{
    public static int RfOffset(EmulatedChip chip) => chip == EmulatedChip.Bk7231T ? 0x1E0000 : 0x1D0000;

    public static byte[] Build(EmulatedChip chip, string mac, int seed = 3)
    {
        var flash = SyntheticBootloader.BuildFlash(chip, EmulatorOptions.DefaultFlashSize);
        var app = SyntheticFirmware.Ua(0x80000, seed);
        app.CopyTo(flash, SyntheticFirmware.AppOffset);
        var rf = flash.AsSpan(RfOffset(chip), 0x1000);
        rf.Fill(0xFF);
        "TLV\0"u8.CopyTo(rf);
        ((ReadOnlySpan<byte>)[0x02, 0x11, 0x11, 0x11, 0x06, 0x00, 0x00, 0x00]).CopyTo(rf[0x1C..]);
        ParseMac(mac).CopyTo(rf[0x24..]);
        return flash;
    }

    private static byte[] ParseMac(string mac)
    {
        var parts = mac.Split(':', '-');
        if (parts.Length != 6)
        {
            throw new ArgumentException($"'{mac}' is not a MAC address", nameof(mac));
        }
        return [.. parts.Select(p => byte.Parse(p, NumberStyles.HexNumber, CultureInfo.InvariantCulture))];
    }
}
