using System.Globalization;
using OpenBekenHub.Simulators.Plugs;

namespace OpenBekenHub.Simulators.Firmware;

/// <summary>Why a simulated plug cannot come up on MQTT from a flash image.</summary>
public enum FirmwareBootProblem
{
    /// <summary>The config block is missing, damaged or of another version: the firmware loads factory defaults (open AP).</summary>
    NoValidConfig,
    /// <summary>The SSID is empty: the plug opens its access point instead of joining Wi-Fi.</summary>
    NoWifi,
    /// <summary>The MQTT host is empty: MQTT stays off.</summary>
    NoMqtt,
    /// <summary>Neither the RF sector nor the config holds a MAC, and none was given.</summary>
    NoMac,
}

/// <summary>A flash image from which the simulated plug would not reach the broker.</summary>
public sealed class FirmwareBootException(FirmwareBootProblem problem, string message) : Exception(message)
{
    public FirmwareBootProblem Problem { get; } = problem;
}

/// <summary>
/// Boots a simulated OpenBeken plug from a flash image, as the firmware would: it reads the MAC from the RF
/// calibration sector (TLV, MAC at +0x24) and the configuration block at the chip's config offset, then produces the
/// <see cref="PlugSettings"/> the plug runs with.
/// </summary>
public static class FirmwareBoot
{
    private sealed record Layout(int Config, int Rf, string Group);

    /// <summary>Config and RF offsets per chip (openbeken.md §5.1, §5.6).</summary>
    private static Layout LayoutFor(string chip) => chip.ToUpperInvariant() switch
    {
        "BK7231N" => new Layout(0x1D1000, 0x1D0000, "bekens_n"),
        "BK7231T" => new Layout(0x1E1000, 0x1E0000, "bekens_t"),
        _ => throw new ArgumentException("The simulated firmware boots BK7231N or BK7231T, not " + chip + ".", nameof(chip)),
    };

    /// <summary>The configuration block as the firmware would read it from <paramref name="flash"/>.</summary>
    public static FlashConfigBlock ReadConfig(ReadOnlySpan<byte> flash, string chip)
    {
        var layout = LayoutFor(chip);
        if (flash.Length < layout.Config + 8)
        {
            throw new FirmwareBootException(FirmwareBootProblem.NoValidConfig, $"The flash image ({flash.Length} bytes) ends before the config at 0x{layout.Config:X}.");
        }
        var area = flash.Slice(layout.Config, Math.Min(0x1000, flash.Length - layout.Config));
        var problem = FlashConfigBlock.Check(area);
        if (problem is not null)
        {
            throw new FirmwareBootException(FirmwareBootProblem.NoValidConfig, $"At 0x{layout.Config:X}: {problem}; the plug would boot with factory defaults (open AP).");
        }
        return FlashConfigBlock.Parse(area);
    }

    /// <summary>The MAC from the RF sector (<c>"TLV\0"</c> header, tag <c>02 11 11 11</c> length 6 at +0x1C, MAC at +0x24), or null.</summary>
    public static string? ReadRfMac(ReadOnlySpan<byte> flash, string chip)
    {
        var rf = LayoutFor(chip).Rf;
        if (flash.Length < rf + 0x2A)
        {
            return null;
        }
        var s = flash[rf..];
        ReadOnlySpan<byte> tag = [0x02, 0x11, 0x11, 0x11, 0x06, 0x00, 0x00, 0x00];
        if (!s[..4].SequenceEqual("TLV\0"u8) || !s.Slice(0x1C, 8).SequenceEqual(tag))
        {
            return null;
        }
        return FormatMac(s.Slice(0x24, 6));
    }

    /// <summary>
    /// Settings a plug boots with from <paramref name="flash"/>. Empty names fall back to the firmware defaults from the
    /// MAC (<c>obk</c> + MAC bytes 2..5, <c>Open&lt;chip&gt;_…</c>); an empty client topic falls back to the short name.
    /// Throws <see cref="FirmwareBootException"/> when the plug would not reach MQTT.
    /// </summary>
    public static PlugSettings FromFlash(byte[] flash, string chip, string? fallbackMac = null)
    {
        ArgumentNullException.ThrowIfNull(flash);
        var cfg = ReadConfig(flash, chip);
        var mac = ReadRfMac(flash, chip)
            ?? (cfg.StoredMac.Any(b => b != 0) ? FormatMac(cfg.StoredMac) : null)
            ?? fallbackMac?.ToLowerInvariant()
            ?? throw new FirmwareBootException(FirmwareBootProblem.NoMac, "No MAC in the RF sector or the config block.");
        if (cfg.WifiSsid.Length == 0)
        {
            throw new FirmwareBootException(FirmwareBootProblem.NoWifi, "The config has no SSID; the plug would open its access point.");
        }
        if (cfg.MqttHost.Length == 0)
        {
            throw new FirmwareBootException(FirmwareBootProblem.NoMqtt, "The config has no MQTT host; MQTT would stay off.");
        }
        var tail = mac.Replace(":", "", StringComparison.Ordinal).ToUpperInvariant()[4..];
        var upperChip = chip.ToUpperInvariant();
        var shortName = cfg.ShortName.Length > 0 ? cfg.ShortName : "obk" + tail;
        return new PlugSettings
        {
            ClientTopic = cfg.MqttClientId.Length > 0 ? cfg.MqttClientId : shortName,
            GroupTopic = cfg.MqttGroup.Length > 0 ? cfg.MqttGroup : LayoutFor(chip).Group,
            ShortName = shortName,
            FriendlyName = cfg.LongName.Length > 0 ? cfg.LongName : "Open" + upperChip + "_" + tail,
            Mac = mac,
            Chip = upperChip,
            BrokerHost = cfg.MqttHost,
            BrokerPort = cfg.MqttPort,
            Username = cfg.MqttUser.Length > 0 ? cfg.MqttUser : null,
            Password = cfg.MqttPassword.Length > 0 ? cfg.MqttPassword : null,
            Ssid = cfg.WifiSsid,
            WebPassword = cfg.WebPassword.Length > 0 ? cfg.WebPassword : null,
            Pins = cfg.Pins.OrderBy(p => p.Key)
                .Select(p => new PinAssignment(p.Key, RoleShortName(p.Value.Role), p.Value.Channel, p.Value.Channel2))
                .ToList(),
            StartupCommand = cfg.StartupCommand,
            Flags = cfg.Flags,
        };
    }

    /// <summary>The firmware's short role name for a role number (the names <c>/api/pins</c> lists).</summary>
    internal static string RoleShortName(int role) =>
        role >= 0 && role < RoleNames.Length ? RoleNames[role] : role.ToString(CultureInfo.InvariantCulture);

    private static string FormatMac(ReadOnlySpan<byte> b) =>
        string.Join(':', b.ToArray().Select(x => x.ToString("x2", CultureInfo.InvariantCulture)));

    // htmlPinRoleNames order (openbeken.md §4.3), index = role number.
    private static readonly string[] RoleNames =
    [
        " ", "Rel", "Rel_n", "Btn", "Btn_n", "LED", "LED_n", "PWM", "WifiLED", "WifiLED_n",
        "Btn_Tgl_All", "Btn_Tgl_All_n", "dInput", "dInput_n", "TglChanOnTgl", "dInput_NoPullUp", "dInput_NoPullUp_n", "BL0937SEL", "BL0937CF", "BL0937CF1",
        "ADC", "SM2135DAT", "SM2135CLK", "BP5758D_DAT", "BP5758D_CLK", "BP1658CJ_DAT", "BP1658CJ_CLK", "PWM_n", "IRRecv", "IRSend",
        "Btn_NextColor", "Btn_NextColor_n", "Btn_NextDimmer", "Btn_NextDimmer_n", "AlwaysHigh", "AlwaysLow", "UCS1912_DIN", "SM16703P_DIN", "Btn_NextTemperature", "Btn_NextTemperature_n",
        "Btn_ScriptOnly", "Btn_ScriptOnly_n", "DHT11", "DHT12", "DHT21", "DHT22", "CHT83XX_SDA", "CHT83XX_SCK", "SHT3X_SDA", "SHT3X_SCK",
        "SoftSDA", "SoftSCL", "SM2235DAT", "SM2235CLK", "BridgeFWD", "BridgeREV", "Btn_SmartLED", "Btn_SmartLED_n", "DoorSnsrWSleep", "DoorSnsrWSleep_nPup",
        "BAT_ADC", "BAT_Relay", "TM1637_DIO", "TM1637_CLK", "BL0937SEL_n", "DoorSnsrWSleep_pd", "SGP_CLK", "SGP_DAT", "ADC_Button", "GN6932_CLK",
        "GN6932_DAT", "GN6932_STB", "TM1638_CLK", "TM1638_DAT", "TM1638_STB", "BAT_Relay_n", "KP18058_CLK", "KP18058_DAT", "DS1820_IO", "PWM_ScriptOnly",
        "PWM_ScriptOnly_n", "Counter_f", "Counter_r", "IRRecv_nPup", "StripState", "StripState_n", "HLW_8112_SCSN", "RCRecv", "RCRecv_nPup", "Btn_pd",
        "Btn_pd_n", "TglChanOnTgl_pd", "ShutterA", "ShutterB", "BtnShutterUp", "BtnShutterDown", "BL0939_SCLK", "BL0939_MOSI", "BL0939_MISO",
    ];
}
