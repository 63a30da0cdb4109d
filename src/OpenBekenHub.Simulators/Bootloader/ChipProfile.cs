namespace OpenBekenHub.Simulators.Bootloader;

/// <summary>
/// Everything that differs between the emulated download protocols, as data (protocol doc §5, §7.1, §12).
/// </summary>
internal sealed record ChipProfile
{
    public required EmulatedChip Chip { get; init; }

    public required string Name { get; init; }

    /// <summary>FULL (N ROM): registers, GetMID, SR access, FlashRead, EraseAll, Erase4K, RESET, StayRom.</summary>
    public required bool FullCommandSet { get; init; }

    /// <summary>BASIC_TUYA: answers ReadBootVersion (short 0x11).</summary>
    public string? BootVersion { get; init; }

    /// <summary>SCTRL_CHIP_ID at 0x800000 (only readable where <see cref="FullCommandSet"/>).</summary>
    public uint ChipId { get; init; }

    public required bool CrcEndInclusive { get; init; }

    /// <summary>CheckCRC re-protects the flash; only a LinkCheck afterwards lets the next erase unprotect it.</summary>
    public required bool CrcLocksFlash { get; init; }

    /// <summary>Requests with an address (before wrap) below this are refused: the T bootloader guards itself.</summary>
    public required int GuardedBelow { get; init; }

    /// <summary>Standard CRC-32 of the first <see cref="FingerprintLength"/> bytes of the bootloader (bk7231tools' table).</summary>
    public required uint FingerprintCrc { get; init; }

    /// <summary>256 on T (CRC(0,256) exclusive), 257 on N (the ROM counts the end too).</summary>
    public required int FingerprintLength { get; init; }

    public required uint DefaultFlashId { get; init; }

    public static readonly ChipProfile Bk7231T = new()
    {
        Chip = EmulatedChip.Bk7231T,
        Name = "BK7231T (Tuya bootloader bk7231s 1.0.5)",
        FullCommandSet = false,
        BootVersion = "BK7231S_1.0.5",
        ChipId = 0x7231A,
        CrcEndInclusive = false,
        CrcLocksFlash = true,
        GuardedBelow = 0x11000,
        FingerprintCrc = 0xBA54C1B8,
        FingerprintLength = 256,
        DefaultFlashId = 0x15400B,
    };

    public static readonly ChipProfile Bk7231N = new()
    {
        Chip = EmulatedChip.Bk7231N,
        Name = "BK7231N (BootROM, bootloader 1.0.1)",
        FullCommandSet = true,
        ChipId = 0x7231C,
        CrcEndInclusive = true,
        CrcLocksFlash = false,
        GuardedBelow = 0,
        FingerprintCrc = 0xE14191BA,
        FingerprintLength = 257,
        DefaultFlashId = 0x1560EB,
    };

    public static ChipProfile For(EmulatedChip chip) => chip switch
    {
        EmulatedChip.Bk7231T => Bk7231T,
        EmulatedChip.Bk7231N => Bk7231N,
        _ => throw new ArgumentOutOfRangeException(nameof(chip), chip, "unknown chip"),
    };
}
