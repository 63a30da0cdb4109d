using System.Net;
using OpenBekenHub.Provisioning.Chips;
using OpenBekenHub.Provisioning.Identity;
using OpenBekenHub.Provisioning.Pins;

namespace OpenBekenHub.Provisioning.Config;

/// <summary>One GPIO's configuration: role number (§4.3), channel, and second channel.</summary>
public sealed record PinAssignment(int Pin, int Role, int Channel, int Channel2 = 0)
{
    public string RoleName => PinRoles.FindByNumber(Role)?.ShortName ?? Role.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Static IPv4 settings; all-zero in the block means DHCP (then this is null).</summary>
public sealed record ObkStaticIp(IPAddress Ip, IPAddress Mask, IPAddress Gateway, IPAddress Dns);

/// <summary>LED colour correction (six floats at 0x53C).</summary>
public sealed record LedCorrection(float Red, float Green, float Blue, float Gamma, float RgbMin, float CwMin)
{
    /// <summary>The firmware's defaults: 1, 1, 1, 2.2, 0.1, 0.1.</summary>
    public static LedCorrection Default { get; } = new(1f, 1f, 1f, 2.2f, 0.1f, 0.1f);

    /// <summary>All zero: the firmware fills in defaults on boot.</summary>
    public static LedCorrection Zero { get; } = new(0, 0, 0, 0, 0, 0);
}

/// <summary>
/// The OpenBeken configuration block (<c>mainConfig_t</c>, version 5) as a value. Build one with
/// <see cref="FactoryDefaults"/> and <c>with</c>, write it with <see cref="ObkConfigWriter"/>, read one with
/// <see cref="ObkConfigReader"/>.
/// </summary>
public sealed record ObkConfig
{
    public int Version { get; init; } = ObkConfigLayout.CurrentVersion;

    /// <summary>64 flag bits (§4.5); bit 10 = broadcast self state on connect.</summary>
    public ulong Flags { get; init; }
    public ushort ChangeCounter { get; init; }
    public ushort OtaCounter { get; init; }

    public string WifiSsid { get; init; } = "";
    public string WifiPassword { get; init; } = "";
    public string WifiSsid2 { get; init; } = "";
    public string WifiPassword2 { get; init; } = "";

    public string MqttHost { get; init; } = "";
    public int MqttPort { get; init; } = 1883;
    /// <summary>MQTT client ID and base topic (<c>&lt;c&gt;</c>). Must be unique per plug.</summary>
    public string MqttClientId { get; init; } = "";
    public string MqttUser { get; init; } = "";
    public string MqttPassword { get; init; } = "";
    public string MqttGroup { get; init; } = "";

    public string WebappRoot { get; init; } = "";
    /// <summary>Stored MAC copy; ignored by the firmware on Beken (the real MAC is in the RF sector).</summary>
    public MacAddress? StoredMac { get; init; }
    public string ShortName { get; init; } = "";
    public string LongName { get; init; } = "";

    /// <summary>Configured pins (role ≠ None, or a non-zero channel). Pin numbers 0..31.</summary>
    public IReadOnlyList<PinAssignment> Pins { get; init; } = [];
    /// <summary>Channel → channel type number (§4.4); only non-default (≠ 0) entries.</summary>
    public IReadOnlyDictionary<int, int> ChannelTypes { get; init; } = new Dictionary<int, int>();
    /// <summary>Channel → power-on value; -1 = remember the last state. Only non-zero entries.</summary>
    public IReadOnlyDictionary<int, short> StartValues { get; init; } = new Dictionary<int, short>();

    public byte LogToLfs { get; init; }
    public uint DgrSendFlags { get; init; }
    public uint DgrRecvFlags { get; init; }
    public string DgrName { get; init; } = "";
    public string NtpServer { get; init; } = "";
    /// <summary>The eight calibration words as raw 32-bit values (float/int union); 0 = driver default.</summary>
    public IReadOnlyList<uint> CalibrationRaw { get; init; } = new uint[8];

    /// <summary>Button timings in units of 100 ms (0 → firmware default 3 / 10 / 5).</summary>
    public byte ButtonShortPress { get; init; }
    public byte ButtonLongPress { get; init; }
    public byte ButtonHoldRepeat { get; init; }
    public uint LfsSize { get; init; }
    public uint LoggerFlags { get; init; }
    public ObkStaticIp? StaticIp { get; init; }
    /// <summary>LED channel remap r, g, b, c, w (5 bytes; zeros → driver default).</summary>
    public IReadOnlyList<byte> LedRemap { get; init; } = new byte[5];
    public LedCorrection LedCorrection { get; init; } = LedCorrection.Zero;
    public byte TimeRequiredToMarkBootSuccessful { get; init; }
    public int PingInterval { get; init; }
    public int PingSeconds { get; init; }
    public string PingHost { get; init; } = "";
    /// <summary>Short startup command, run at every boot.</summary>
    public string InitCommandLine { get; init; } = "";
    /// <summary>HTTP Basic password for user <c>admin</c>; empty = no auth.</summary>
    public string WebPassword { get; init; } = "";
    public bool MqttUseTls { get; init; }
    public bool MqttVerifyTlsCert { get; init; }
    public string MqttCertFile { get; init; } = "";
    public bool DisableWebServer { get; init; }

    public const ulong FlagBroadcastOnConnect = 1UL << 10;
    public const ulong FlagRetainRelayChannels = 1UL << 21;
    public const ulong FlagAutoHomeAssistantDiscovery = 1UL << 27;

    public const string DefaultWebappRoot = "https://openbekeniot.github.io/webapp/";
    public const string DefaultNtpServer = "217.147.223.78";
    public const string DefaultPingHost = "192.168.0.1";

    /// <summary>
    /// The values the firmware writes on a factory reset (openbeken.md §5.4/§5.5 step 5): flag 10, port 1883, user
    /// <c>homeassistant</c> / <c>qqqqqqqqqq</c>, webapp root, NTP server, button times 3/10/5, boot-ok 5 s, ping host,
    /// LED correction, the chip's group topic and names derived from <paramref name="mac"/> when given.
    /// </summary>
    public static ObkConfig FactoryDefaults(ObkChip chip, MacAddress? mac = null)
    {
        ArgumentNullException.ThrowIfNull(chip);
        var names = mac is { } m ? DeviceNames.FromMac(chip, m) : null;
        return new ObkConfig
        {
            Flags = FlagBroadcastOnConnect,
            MqttPort = 1883,
            MqttUser = "homeassistant",
            MqttPassword = "qqqqqqqqqq",
            MqttGroup = chip.DefaultGroupTopic,
            WebappRoot = DefaultWebappRoot,
            NtpServer = DefaultNtpServer,
            PingHost = DefaultPingHost,
            ButtonShortPress = 3,
            ButtonLongPress = 10,
            ButtonHoldRepeat = 5,
            TimeRequiredToMarkBootSuccessful = 5,
            LedCorrection = LedCorrection.Default,
            ShortName = names?.ShortName ?? "",
            LongName = names?.LongName ?? "",
            MqttClientId = names?.ShortName ?? "",
        };
    }

    /// <summary>The pin assignment of <paramref name="pin"/>, or null when unconfigured.</summary>
    public PinAssignment? Pin(int pin) => Pins.FirstOrDefault(p => p.Pin == pin);

    public bool HasFlag(int bit) => (Flags & (1UL << bit)) != 0;

    public ObkConfig WithFlag(int bit, bool on = true) =>
        this with { Flags = on ? Flags | (1UL << bit) : Flags & ~(1UL << bit) };
}
