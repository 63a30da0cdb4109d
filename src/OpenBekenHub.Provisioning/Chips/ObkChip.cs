namespace OpenBekenHub.Provisioning.Chips;

/// <summary>
/// Where OpenBeken keeps its data on one chip family (openbeken.md §5.1, §5.6; bk7231-protocol.md §7.5).
/// All chip differences of this library live in these records; nothing else branches on the chip.
/// </summary>
public sealed record ObkChip
{
    /// <summary>Chip name as OpenBeken and the template list spell it, e.g. <c>BK7231N</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Flash offset of the configuration sector (BK_PARTITION_NET_PARAM, one 4 KiB sector).</summary>
    public required int ConfigOffset { get; init; }

    /// <summary>Flash offset of the RF calibration sector (TLV, holds the MAC). Never write it.</summary>
    public required int RfOffset { get; init; }

    /// <summary>Usual start of Tuya's encrypted KV storage in a stock-firmware dump.</summary>
    public int TuyaStorageOffset { get; init; } = 0x1EE000;

    /// <summary>Flash size of the usual module (2 MiB).</summary>
    public int FlashSize { get; init; } = 0x200000;

    /// <summary>Prefix of the default long name and of the AP SSID, e.g. <c>OpenBK7231N</c>.</summary>
    public required string LongNamePrefix { get; init; }

    /// <summary>The firmware's default MQTT group topic on this chip.</summary>
    public required string DefaultGroupTopic { get; init; }

    /// <summary>Size of the configuration sector in flash.</summary>
    public const int SectorSize = 0x1000;

    public override string ToString() => Name;
}
