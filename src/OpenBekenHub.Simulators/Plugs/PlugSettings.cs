using System.Globalization;

namespace OpenBekenHub.Simulators.Plugs;

/// <summary>One pin of the plug: its role by OpenBeken short name (<c>Rel</c>, <c>Btn</c>, <c>BL0937CF</c>, ...) and channel(s).</summary>
public sealed record PinAssignment(int Pin, string Role, int Channel, int Channel2 = 0);

/// <summary>
/// What a simulated OpenBeken plug is configured with: the values the firmware keeps in its flash config block
/// (names, MQTT settings, pins, flags) plus a few simulator knobs. A config-block parser can build one of these and
/// hand it to <see cref="SimulatedPlug"/>.
/// </summary>
public sealed record PlugSettings
{
    /// <summary>MQTT client topic; also the MQTT client id (firmware behaviour).</summary>
    public required string ClientTopic { get; init; }

    public string GroupTopic { get; init; } = "bekens_n";

    /// <summary>Short device name, default <c>obk</c> + 8 hex digits of the MAC.</summary>
    public required string ShortName { get; init; }

    /// <summary>Long device name (firmware "FriendlyName"), default <c>OpenBK7231N_XXXXXXXX</c>.</summary>
    public required string FriendlyName { get; init; }

    /// <summary>MAC as lower-case <c>aa:bb:cc:dd:ee:ff</c>.</summary>
    public required string Mac { get; init; }

    public string Chip { get; init; } = "BK7231N";

    public string Version { get; init; } = "1.18.230";

    public string BrokerHost { get; init; } = "127.0.0.1";

    public int BrokerPort { get; init; } = 1883;

    public string? Username { get; init; }

    public string? Password { get; init; }

    public string Ssid { get; init; } = "HomeWifi";

    /// <summary>The address the plug reports (and where its HTTP server listens when <see cref="HttpPort"/> is set).</summary>
    public string Ip { get; init; } = "127.0.0.1";

    /// <summary>HTTP port of the <c>/cm</c> JSON API (the firmware uses 80); 0 = no HTTP server.</summary>
    public int HttpPort { get; init; }

    /// <summary>Web password (Basic auth user <c>admin</c>); empty = no auth, like the firmware.</summary>
    public string? WebPassword { get; init; }

    public IReadOnlyList<PinAssignment> Pins { get; init; } = DefaultPins(powerMeter: false);

    /// <summary>Startup command; <c>startDriver BL0942</c> / <c>CSE7766</c> in it also starts a power meter.</summary>
    public string StartupCommand { get; init; } = "";

    /// <summary>Flags bit field; default flag 10 (broadcast self state on connect), as in the firmware.</summary>
    public ulong Flags { get; init; } = 1UL << 10;

    public int Rssi { get; init; } = -62;

    /// <summary>Full-broadcast pacing; the firmware sends 1 item per second. Tests may speed it up.</summary>
    public double BroadcastItemsPerSecond { get; init; } = 1;

    /// <summary>Own HA discovery pacing; the firmware sends 3 messages per second.</summary>
    public double DiscoveryMessagesPerSecond { get; init; } = 3;

    /// <summary>Delay before reconnecting after a lost connection; the firmware waits about 15 s.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Delay of a restart (firmware: 3 s for web restarts).</summary>
    public TimeSpan RestartDelay { get; init; } = TimeSpan.FromSeconds(3);

    public IEnumerable<int> RelayChannels =>
        Pins.Where(p => p.Role is "Rel" or "Rel_n").Select(p => p.Channel).Distinct().Order();

    public IEnumerable<int> InputChannels =>
        Pins.Where(p => p.Role.StartsWith("dInput", StringComparison.Ordinal)).Select(p => p.Channel).Distinct().Order();

    public IEnumerable<int> ButtonChannels =>
        Pins.Where(p => p.Role.StartsWith("Btn", StringComparison.Ordinal)).Select(p => p.Channel).Distinct().Order();

    public bool HasPowerMeter =>
        Pins.Any(p => p.Role == "BL0937CF")
        || StartupCommand.Contains("startDriver BL0942", StringComparison.OrdinalIgnoreCase)
        || StartupCommand.Contains("startDriver CSE7766", StringComparison.OrdinalIgnoreCase);

    public bool HasFlag(int bit) => (Flags & (1UL << bit)) != 0;

    /// <summary>A typical plug: relay P26 ch1, button P10 ch1, Wi-Fi LED P8, and BL0937 on P24/P7/P6 when metering.</summary>
    public static IReadOnlyList<PinAssignment> DefaultPins(bool powerMeter)
    {
        var pins = new List<PinAssignment> { new(26, "Rel", 1), new(10, "Btn", 1), new(8, "WifiLED_n", 0) };
        if (powerMeter)
        {
            pins.Add(new(24, "BL0937CF", 0));
            pins.Add(new(7, "BL0937CF1", 0));
            pins.Add(new(6, "BL0937SEL", 0));
        }
        return pins;
    }

    /// <summary>Factory defaults for a plug with <paramref name="mac"/>: names derived from MAC bytes 2..5, as the firmware does.</summary>
    public static PlugSettings ForMac(string mac, string brokerHost, int brokerPort, bool powerMeter = false, string chip = "BK7231N")
    {
        var hex = mac.Replace(":", "", StringComparison.Ordinal).ToUpperInvariant();
        if (hex.Length != 12)
        {
            throw new ArgumentException($"MAC must have 6 bytes: {mac}", nameof(mac));
        }
        var tail = hex[4..];
        var shortName = "obk" + tail;
        return new PlugSettings
        {
            ClientTopic = shortName,
            GroupTopic = chip.EndsWith('T') ? "bekens_t" : "bekens_n",
            ShortName = shortName,
            FriendlyName = $"Open{chip}_{tail}",
            Mac = mac.ToLowerInvariant(),
            Chip = chip,
            BrokerHost = brokerHost,
            BrokerPort = brokerPort,
            Pins = DefaultPins(powerMeter),
        };
    }

    /// <summary>The <paramref name="index"/>-th plug of a fleet: a locally administered MAC 02:0b:xx:xx:xx:xx.</summary>
    public static PlugSettings ForIndex(int index, string brokerHost, int brokerPort, bool powerMeter = false)
    {
        var b = BitConverter.GetBytes(index);
        var mac = string.Create(CultureInfo.InvariantCulture, $"02:0b:{b[3]:x2}:{b[2]:x2}:{b[1]:x2}:{b[0]:x2}");
        return ForMac(mac, brokerHost, brokerPort, powerMeter);
    }
}
