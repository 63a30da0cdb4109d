namespace OpenBekenHub.Station;

/// <summary>One module the wizard knows how to wire (the guide is data, rendered as SVG by the Flash page).</summary>
public sealed record ModuleGuide(string Name, string Chip, string Firmware, string Notes);

/// <summary>
/// Wiring for the common Tuya modules. All BK7231T/N modules download over UART1: P10 = RX1, P11 = TX1
/// (LibreTiny board docs; bk7231-protocol.md §1); the chip enters download mode when reset (CEN to GND) or re-powered
/// while the flasher is sending link checks.
/// </summary>
public static class WiringGuide
{
    public static IReadOnlyList<ModuleGuide> Modules { get; } =
    [
        new("WB2S", "BK7231T", "OpenBK7231T_UA", "Small 7-pad module; TX1/RX1 are on the pad row, CEN on the same edge. Common in 10 A plugs."),
        new("WB3S", "BK7231T", "OpenBK7231T_UA", "Larger 16-pad module; TX1/RX1 and CEN are on the long edges."),
        new("CB2S", "BK7231N", "OpenBK7231N_QIO", "BK7231N successor of WB2S, same footprint. Found in most plugs sold since 2021."),
        new("CB3S", "BK7231N", "OpenBK7231N_QIO", "BK7231N successor of WB3S, same footprint."),
    ];

    public static ModuleGuide? Find(string? name) => Modules.FirstOrDefault(m => m.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The connections, adapter side → module side, in the order to make them.</summary>
    public static IReadOnlyList<(string Adapter, string Module, string Why)> Connections { get; } =
    [
        ("GND", "GND", "common ground first"),
        ("TX", "RX1 (P10)", "adapter transmits, module receives"),
        ("RX", "TX1 (P11)", "module transmits, adapter receives"),
        ("3V3", "3V3 (VCC)", "3.3 V only: 5 V destroys the module; the supply must give ~300 mA"),
        ("—", "CEN", "a loose wire: touch it to GND briefly after pressing Start"),
    ];
}
