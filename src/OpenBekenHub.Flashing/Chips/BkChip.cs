namespace OpenBekenHub.Flashing.Chips;

/// <summary>Which command set the download code understands (bk7231-protocol.md §5).</summary>
public enum BkProtocolSet
{
    /// <summary>Mask-ROM download code (BK7231N): registers, flash id, status register, inclusive CRC end.</summary>
    Full,

    /// <summary>Tuya flash bootloader (BK7231T "bk7231s"): basic set plus ReadBootVersion; exclusive CRC end.</summary>
    BasicTuya,

    /// <summary>Beken flash bootloader (BK7231U, BK7252): basic set only.</summary>
    BasicBeken,
}

/// <summary>Kinds of image files the flasher recognises.</summary>
public enum ImageKind
{
    Unknown,

    /// <summary>Encrypted, CRC16-blocked application ("UA"), written at 0x11000.</summary>
    UaApp,

    /// <summary>Full image from 0x0 including the bootloader ("QIO"), or a full flash dump.</summary>
    QioFull,

    /// <summary>OTA packages (RBL header or Tuya "UG" wrapper): for web OTA, not for the serial bootloader.</summary>
    RblOrUg,
}

/// <summary>
/// Everything that differs between Beken chips, as data. One sealed record per chip derives from this;
/// code outside Chips/ asks these properties instead of comparing chip names.
/// </summary>
public abstract record BkChip
{
    /// <summary>Marketing name, e.g. "BK7231T".</summary>
    public abstract string Name { get; }

    /// <summary>Lower-case identifier used on the command line and in file names, e.g. "bk7231t".</summary>
    public string Id => Name.ToLowerInvariant();

    public abstract BkProtocolSet Protocol { get; }

    /// <summary>Value of the chip-id register 0x800000, where the protocol can read it.</summary>
    public abstract uint? ChipIdValue { get; }

    /// <summary>CRC end convention we expect before probing (the loader probes it at runtime).</summary>
    public bool CrcEndInclusiveByDefault => Protocol == BkProtocolSet.Full;

    /// <summary>Size of the bootloader region at 0x0.</summary>
    public uint BootloaderSize => 0x11000;

    /// <summary>True where overwriting the bootloader region bricks the chip (flash bootloaders: T, U, BK7252).</summary>
    public abstract bool BootloaderIsInFlashOnly { get; }

    /// <summary>Offset of the application (UA) partition.</summary>
    public uint AppOffset => 0x11000;

    /// <summary>Size of the application partition on today's OpenBeken/Tuya layout (bk7231-protocol.md §7.4-7.5).</summary>
    public abstract uint AppPartitionSize { get; }

    /// <summary>The image OpenBeken ships for serial flashing on this chip.</summary>
    public abstract ImageKind PreferredImage { get; }

    /// <summary>Exact length of OpenBeken's QIO image for this chip, if known.</summary>
    public abstract uint? QioImageLength { get; }

    /// <summary>OpenBeken configuration sector (BK_PARTITION_NET_PARAM).</summary>
    public abstract uint ConfigOffset { get; }

    /// <summary>RF calibration (TLV) sector; the MAC sits at +0x24.</summary>
    public abstract uint RfOffset { get; }

    public uint DefaultFlashSize => 0x200000;

    /// <summary>Standard CRC-32 of the first 256 bytes (exclusive CRC end) or 257 bytes (inclusive) of known bootloaders.</summary>
    public abstract IReadOnlyDictionary<uint, string> BootloaderFingerprints { get; }

    /// <summary>N-class chips need the flash status register unprotected over UART before erasing.</summary>
    public bool NeedsUnprotect => Protocol == BkProtocolSet.Full;

    /// <summary>Flash bootloaders re-enable write protection after CheckCRC until the next LinkCheck.</summary>
    public bool CrcRelocksFlash => Protocol != BkProtocolSet.Full;

    /// <summary>The protocol has ReadReg, GetMID and status-register access.</summary>
    public bool HasRegisterAccess => Protocol == BkProtocolSet.Full;

    /// <summary>Flash bootloaders refuse offsets below 0x11000; reads there go through the address wrap (+ flash size).</summary>
    public bool WrapsLowAddresses => BootloaderIsInFlashOnly;

    /// <summary>File-name tag OpenBeken releases use, e.g. "OpenBK7231T".</summary>
    public string ReleasePrefix => $"Open{Name}";

    public override string ToString() => Name;
}
