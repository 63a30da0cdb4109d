namespace OpenBekenHub.Simulators.Bootloader;

/// <summary>The chip whose download protocol the emulator speaks.</summary>
public enum EmulatedChip
{
    /// <summary>Tuya "bk7231s" flash bootloader (BASIC_TUYA command set, CRC end exclusive, bootloader region locked).</summary>
    Bk7231T,

    /// <summary>Mask-ROM download code (FULL command set, CRC end inclusive, SR protection, chip-ID register).</summary>
    Bk7231N,
}

/// <summary>How the emulated chip behaves. All members have working defaults.</summary>
public sealed class EmulatorOptions
{
    public const int DefaultFlashSize = 2 * 1024 * 1024;

    public EmulatedChip Chip { get; set; } = EmulatedChip.Bk7231N;

    /// <summary>Flash size in bytes; a power of two (addresses wrap modulo this size, as the SPI flash does).</summary>
    public int FlashSize { get; set; } = DefaultFlashSize;

    /// <summary>JEDEC ID as the tools print it (<c>M | T &lt;&lt; 8 | C &lt;&lt; 16</c>); null = the chip's default part.</summary>
    public uint? FlashIdOverride { get; set; }

    /// <summary>JEDEC ID reported by GetMID: the override, else TH25Q16HB (0x1560EB) on N, XT25F16B (0x15400B) on T.</summary>
    public uint FlashId
    {
        get => FlashIdOverride ?? ChipProfile.For(Chip).DefaultFlashId;
        set => FlashIdOverride = value;
    }

    /// <summary>Flash content at power-up. Null = a synthetic bootloader with the real fingerprint, the rest erased.</summary>
    public byte[]? InitialImage { get; set; }

    /// <summary>Keep the flash in this file (created from <see cref="InitialImage"/> or the synthetic image when missing).</summary>
    public string? BackingFile { get; set; }

    /// <summary>Pace replies and the consumption of incoming bytes at the configured line rate (10 bits a byte).</summary>
    public bool BaudTimeMode { get; set; }

    /// <summary>Flash operations take their datasheet time: 4K erase 45 ms, 64K erase 300 ms, 4K write 15 ms, CRC 400 kB/s.</summary>
    public bool RealisticTimings { get; set; }

    /// <summary>Link checks are answered only this long after the first one arrives (the user touching CEN late).</summary>
    public TimeSpan LinkCheckDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Status register (SR2:SR1) of the N's flash at power-up; null = 0x001C (BP0..BP2 set: whole chip protected, as Tuya leaves it).</summary>
    public ushort? InitialStatusRegister { get; set; }

    /// <summary>Force the CheckCRC end semantics (true = inclusive). Null = per chip: inclusive on N, exclusive on T.
    /// The protocol doc's CONFLICT note: Beken-lineage tools (hid_download_py programm) assume inclusive on T too.</summary>
    public bool? CrcEndInclusive { get; set; }

    /// <summary>A partial frame older than this is dropped, as the chip's UART receive state machine does.</summary>
    public TimeSpan FrameTimeout { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>When the host's rate is knowable (a pty, or <see cref="BootloaderEmulator.HostBaudProbe"/>), treat every
    /// byte received while host and chip rates differ as garbage, as a real UART would. Off by default: the probe is
    /// sampled when bytes are read, so a host that switches its rate right after writing could be misjudged.</summary>
    public bool StrictLineRate { get; set; }

    public FaultPlan Faults { get; set; } = new();

    internal void Validate()
    {
        if (FlashSize < 0x20000 || (FlashSize & (FlashSize - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(FlashSize), FlashSize, "FlashSize must be a power of two of at least 128 KiB.");
        }
        if (InitialImage is { } image && image.Length > FlashSize)
        {
            throw new ArgumentException($"InitialImage is {image.Length} bytes, larger than FlashSize {FlashSize}.", nameof(InitialImage));
        }
    }
}

/// <summary>Faults to inject; each one fires once.</summary>
public sealed class FaultPlan
{
    /// <summary>Do not send the Nth reply (1-based, counting every reply the chip would send).</summary>
    public int? DropReplyNumber { get; set; }

    /// <summary>Flip one byte in the Nth reply (1-based).</summary>
    public int? CorruptReplyNumber { get; set; }

    /// <summary>Ack SetBaudRate but keep the old rate: traffic at the new rate is garbage to the chip, which answers again
    /// only once the host is back at the old rate. Needs to know the host's rate: a pty reports it, otherwise set
    /// <see cref="BootloaderEmulator.HostBaudProbe"/>.</summary>
    public bool IgnoreBaudChange { get; set; }

    /// <summary>Close the stream (a pulled cable) once this many bytes have been received.</summary>
    public long? DisconnectAfterBytes { get; set; }

    /// <summary>Stop answering (a brown-out) once this many replies were sent, until the next reset.</summary>
    public int? GoSilentAfterReplies { get; set; }
}
