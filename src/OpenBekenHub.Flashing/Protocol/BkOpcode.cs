namespace OpenBekenHub.Flashing.Protocol;

/// <summary>Opcodes of the BK7231 UART download protocol (bk7231-protocol.md §3). Short and long frames reuse numbers.</summary>
public static class BkOpcode
{
    // Short frames: 01 E0 FC LEN CMD payload
    public const byte LinkCheck = 0x00;
    public const byte LinkCheckReply = 0x01;
    public const byte WriteRegister = 0x01;
    public const byte ReadRegister = 0x03;
    public const byte Reboot = 0x0E;
    public const byte SetBaudRate = 0x0F;
    public const byte CheckCrc = 0x10;
    public const byte ReadBootVersion = 0x11;

    // Long frames: 01 E0 FC FF F4 LEN_lo LEN_hi OP payload
    public const byte FlashOperate = 0xF4;
    public const byte FlashWrite4K = 0x07;
    public const byte FlashRead4K = 0x09;
    public const byte FlashReadStatus = 0x0C;
    public const byte FlashWriteStatus = 0x0D;
    public const byte FlashGetMid = 0x0E;
    public const byte FlashErase = 0x0F;

    /// <summary>Status / payload byte the bootloader uses for an unknown command.</summary>
    public const byte UnknownCommandStatus = 0x07;

    public const byte RebootMagic = 0xA5;
}

/// <summary>SPI erase opcodes accepted by the sized FlashErase (0x0F) long command.</summary>
public enum BkEraseSize : byte
{
    Sector4K = 0x20,
    Block64K = 0xD8,
}

public static class BkEraseSizeExtensions
{
    public static uint Bytes(this BkEraseSize size) => size switch
    {
        BkEraseSize.Sector4K => 0x1000,
        BkEraseSize.Block64K => 0x10000,
        _ => throw new ArgumentOutOfRangeException(nameof(size), size, "unknown erase size"),
    };
}

/// <summary>Status byte of long replies (bk7231-protocol.md §2.3).</summary>
public enum BkStatus : byte
{
    Ok = 0,
    FlashBusy = 1,
    SpiTimeout = 2,
    FlashOperationTimeout = 3,
    PacketLengthError = 4,
    PacketPayloadLack = 5,
    ParameterError = 6,
    UnknownCommand = 7,
    InternalError = 8,
    SpiFlashWriteError = 9,
    ProtectedArea = 10,
}

public static class BkStatusText
{
    public static string Describe(byte status) => (BkStatus)status switch
    {
        BkStatus.Ok => "OK",
        BkStatus.FlashBusy => "flash busy",
        BkStatus.SpiTimeout => "SPI operation timed out",
        BkStatus.FlashOperationTimeout => "flash operation timed out",
        BkStatus.PacketLengthError => "packet length error",
        BkStatus.PacketPayloadLack => "packet payload missing",
        BkStatus.ParameterError => "parameter error",
        BkStatus.UnknownCommand => "unknown command (not supported by this bootloader)",
        BkStatus.InternalError => "internal error",
        BkStatus.SpiFlashWriteError => "SPI flash write error",
        BkStatus.ProtectedArea => "operation on a protected area",
        _ => $"status 0x{status:X2}",
    };
}
