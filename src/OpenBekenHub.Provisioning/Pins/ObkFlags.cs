namespace OpenBekenHub.Provisioning.Pins;

/// <summary>One configuration flag (bit index into the 64-bit flags field; openbeken.md §4.5).</summary>
public sealed record ObkFlag(int Bit, string Description);

/// <summary>The flag table, for a flag editor, plus the ones the hub sets when provisioning.</summary>
public static class ObkFlags
{
    public const int BroadcastSelfStatePeriodic = 2;
    public const int RetainAll = 7;
    public const int BroadcastSelfStateOnConnect = 10;
    public const int RetainRelayChannels = 21;
    public const int AutoHomeAssistantDiscovery = 27;
    public const int TasmotaTele = 30;
    public const int UartCommandLine = 31;
    public const int RelaysAsLights = 34;
    public const int EnergyInKwh = 40;

    /// <summary>What the hub provisions by default: state on connect (10), retained relay channels (21), HA discovery at boot (27).</summary>
    public const ulong HubDefault = (1UL << BroadcastSelfStateOnConnect) | (1UL << RetainRelayChannels) | (1UL << AutoHomeAssistantDiscovery);

    public static IReadOnlyList<ObkFlag> All { get; } =
    [
        new(0, "Broadcast LED params together"),
        new(1, "Broadcast LED final color"),
        new(2, "Broadcast self state every N seconds"),
        new(3, "Raw PWM UI"),
        new(4, "Force RGBCW UI"),
        new(5, "TCP console (port 100)"),
        new(6, "Instant button reaction (SetOption13)"),
        new(7, "Retain all publishes"),
        new(8, "Alternate CW mode"),
        new(9, "SM2135 separate modes"),
        new(10, "Broadcast self state on MQTT connect"),
        new(11, "600 Hz PWM"),
        new(12, "Remember LED state"),
        new(13, "Show pin levels on the web page"),
        new(14, "IR raw publish"),
        new(15, "IR unknown protocol"),
        new(16, "Broadcast final RGBCW"),
        new(17, "LED auto-on from the web"),
        new(18, "Smooth LED transitions"),
        new(19, "Publish TuyaMCU channels"),
        new(20, "Force RGB mode"),
        new(21, "Retain relay/power channels"),
        new(22, "IR Tasmota JSON"),
        new(23, "LED auto-on on any change"),
        new(24, "Emulate cool white with RGB"),
        new(25, "Allow negative power"),
        new(26, "Alternate UART for BL0942/CSE/TuyaMCU"),
        new(27, "Automatic Home Assistant discovery"),
        new(28, "White RGB to temperature mode"),
        new(29, "Short name as DHCP hostname"),
        new(30, "Tasmota TELE publishes"),
        new(31, "UART command line"),
        new(32, "Linear brightness"),
        new(33, "Publish scaled values"),
        new(34, "Relays as Home Assistant lights"),
        new(35, "No availability topic in discovery"),
        new(36, "Disable driver autostart"),
        new(37, "Quick Wi-Fi connect"),
        new(38, "Zero power/current when all relays are open"),
        new(39, "Publish all channels"),
        new(40, "Energy in kWh"),
        new(41, "Child lock (ignore buttons)"),
        new(42, "Door sensor invert"),
        new(43, "TuyaMCU queue"),
        new(44, "No HTTP auth in safe mode"),
        new(45, "Do not merge toggle and dimmer lights"),
        new(46, "TuyaMCU store raw data"),
        new(47, "TuyaMCU store all data"),
        new(48, "Invert AC direction"),
        new(49, "Hide ON/OFF words on the web"),
        new(50, "Never append /get"),
        new(51, "Enhanced fast connect"),
    ];
}
