namespace OpenBekenHub.Flashing.Protocol;

/// <summary>
/// One record per bootloader command. A command knows its opcode, its frame form (short or long), its payload and
/// which reply code it expects; <see cref="BkPacketCodec"/> turns it into bytes. No I/O here.
/// </summary>
public abstract record BkCommand
{
    /// <summary>True for "flash operate" long frames (01 E0 FC FF F4 ...).</summary>
    public abstract bool IsLong { get; }

    /// <summary>CMD of a short frame or OP of a long frame.</summary>
    public abstract byte Code { get; }

    /// <summary>The code the reply carries (LinkCheck answers 0x01; all others echo their code).</summary>
    public virtual byte ReplyCode => Code;

    /// <summary>False for commands the chip never answers (reboot).</summary>
    public virtual bool ExpectsReply => true;

    /// <summary>Exact total length of a successful reply frame, for readers that want to wait for it.</summary>
    public abstract int ReplyLength { get; }

    /// <summary>Bytes after CMD/OP.</summary>
    public abstract byte[] Payload();

    /// <summary>Human name for logs and error messages.</summary>
    public abstract string Name { get; }

    internal static void PutU32(byte[] buffer, int offset, uint value)
    {
        buffer[offset] = (byte)value;
        buffer[offset + 1] = (byte)(value >> 8);
        buffer[offset + 2] = (byte)(value >> 16);
        buffer[offset + 3] = (byte)(value >> 24);
    }

    internal static byte[] U32(uint value)
    {
        var b = new byte[4];
        PutU32(b, 0, value);
        return b;
    }

    /// <summary>Short reply length: 04 0E LEN 01 E0 FC CODE payload.</summary>
    internal static int ShortReply(int payloadLength) => 7 + payloadLength;

    /// <summary>Long reply length: 04 0E FF 01 E0 FC F4 LL LH OP ST payload.</summary>
    internal static int LongReply(int payloadLength) => 11 + payloadLength;
}

public sealed record LinkCheckCommand : BkCommand
{
    public override bool IsLong => false;
    public override byte Code => BkOpcode.LinkCheck;
    public override byte ReplyCode => BkOpcode.LinkCheckReply;
    public override int ReplyLength => ShortReply(1);
    public override byte[] Payload() => [];
    public override string Name => "LinkCheck";
}

public sealed record ReadRegisterCommand(uint Address) : BkCommand
{
    public override bool IsLong => false;
    public override byte Code => BkOpcode.ReadRegister;
    public override int ReplyLength => ShortReply(8);
    public override byte[] Payload() => U32(Address);
    public override string Name => $"ReadReg 0x{Address:X}";
}

public sealed record WriteRegisterCommand(uint Address, uint Value) : BkCommand
{
    public override bool IsLong => false;
    public override byte Code => BkOpcode.WriteRegister;
    public override int ReplyLength => ShortReply(8);
    public override byte[] Payload() => [.. U32(Address), .. U32(Value)];
    public override string Name => $"WriteReg 0x{Address:X}=0x{Value:X}";
}

public sealed record SetBaudRateCommand(uint BaudRate, byte DelayMs) : BkCommand
{
    public override bool IsLong => false;
    public override byte Code => BkOpcode.SetBaudRate;
    public override int ReplyLength => ShortReply(5);
    public override byte[] Payload() => [.. U32(BaudRate), DelayMs];
    public override string Name => $"SetBaudRate {BaudRate}";
}

/// <summary>CheckCRC over [Start, End]; whether End is inclusive depends on the bootloader (probed at runtime).</summary>
public sealed record CheckCrcCommand(uint Start, uint End) : BkCommand
{
    public override bool IsLong => false;
    public override byte Code => BkOpcode.CheckCrc;
    public override int ReplyLength => ShortReply(4);
    public override byte[] Payload() => [.. U32(Start), .. U32(End)];
    public override string Name => $"CheckCRC 0x{Start:X}..0x{End:X}";
}

public sealed record ReadBootVersionCommand : BkCommand
{
    public override bool IsLong => false;
    public override byte Code => BkOpcode.ReadBootVersion;
    public override int ReplyLength => -1; // variable ASCII payload
    public override byte[] Payload() => [];
    public override string Name => "ReadBootVersion";
}

public sealed record RebootCommand : BkCommand
{
    public override bool IsLong => false;
    public override byte Code => BkOpcode.Reboot;
    public override bool ExpectsReply => false;
    public override int ReplyLength => 0;
    public override byte[] Payload() => [BkOpcode.RebootMagic];
    public override string Name => "Reboot";
}

public sealed record FlashRead4KCommand(uint Address) : BkCommand
{
    public override bool IsLong => true;
    public override byte Code => BkOpcode.FlashRead4K;
    public override int ReplyLength => LongReply(4 + 4096);
    public override byte[] Payload() => U32(Address);
    public override string Name => $"Read4K 0x{Address:X}";
}

public sealed record FlashWrite4KCommand(uint Address, ReadOnlyMemory<byte> Data) : BkCommand
{
    public override bool IsLong => true;
    public override byte Code => BkOpcode.FlashWrite4K;
    public override int ReplyLength => LongReply(4);

    public override byte[] Payload()
    {
        if (Data.Length != 4096)
        {
            throw new ArgumentException($"Write4K needs exactly 4096 bytes, got {Data.Length}");
        }
        var p = new byte[4 + 4096];
        PutU32(p, 0, Address);
        Data.Span.CopyTo(p.AsSpan(4));
        return p;
    }

    public override string Name => $"Write4K 0x{Address:X}";
}

public sealed record FlashEraseCommand(BkEraseSize Size, uint Address) : BkCommand
{
    public override bool IsLong => true;
    public override byte Code => BkOpcode.FlashErase;
    public override int ReplyLength => LongReply(5);
    public override byte[] Payload() => [(byte)Size, .. U32(Address)];
    public override string Name => $"Erase{(Size == BkEraseSize.Block64K ? "64K" : "4K")} 0x{Address:X}";
}

public sealed record FlashReadStatusCommand(byte SpiOpcode) : BkCommand
{
    public override bool IsLong => true;
    public override byte Code => BkOpcode.FlashReadStatus;
    public override int ReplyLength => LongReply(2);
    public override byte[] Payload() => [SpiOpcode];
    public override string Name => $"ReadSR 0x{SpiOpcode:X2}";
}

/// <summary>WriteSR with one value byte (8-bit SR) or two (SR1, SR2 as a little-endian u16).</summary>
public sealed record FlashWriteStatusCommand(byte SpiOpcode, byte[] Values) : BkCommand
{
    public override bool IsLong => true;
    public override byte Code => BkOpcode.FlashWriteStatus;
    public override int ReplyLength => LongReply(1 + Values.Length);
    public override byte[] Payload() => [SpiOpcode, .. Values];
    public override string Name => $"WriteSR 0x{SpiOpcode:X2} {Convert.ToHexString(Values)}";
}

public sealed record FlashGetMidCommand : BkCommand
{
    public override bool IsLong => true;
    public override byte Code => BkOpcode.FlashGetMid;
    public override int ReplyLength => LongReply(4);
    public override byte[] Payload() => [0x9F, 0x00, 0x00, 0x00];
    public override string Name => "GetMID";
}
