namespace OpenBekenHub.Flashing.Protocol;

/// <summary>One record per decoded bootloader reply.</summary>
public abstract record BkReply;

public sealed record LinkCheckReply : BkReply;

public sealed record RegisterReply(uint Address, uint Value) : BkReply;

public sealed record BaudRateReply(uint BaudRate, byte DelayMs) : BkReply;

/// <summary>Raw CRC register as the chip sends it (init 0xFFFFFFFF, no final XOR).</summary>
public sealed record CrcReply(uint Crc) : BkReply;

public sealed record BootVersionReply(string Version) : BkReply;

public sealed record FlashWriteReply(uint Address) : BkReply;

public sealed record FlashReadReply(uint Address, byte[] Data) : BkReply;

public sealed record FlashEraseReply(BkEraseSize Size, uint Address) : BkReply;

public sealed record StatusRegisterReply(byte SpiOpcode, byte Value) : BkReply;

public sealed record WriteStatusReply(byte SpiOpcode, byte[] Values) : BkReply;

/// <summary>JEDEC id as the tools use it: M | T &lt;&lt; 8 | C &lt;&lt; 16.</summary>
public sealed record FlashIdReply(uint Mid) : BkReply
{
    public byte Manufacturer => (byte)Mid;
    public byte MemoryType => (byte)(Mid >> 8);
    public byte CapacityCode => (byte)(Mid >> 16);
}

/// <summary>A framed reply as found on the wire, before command-specific validation.</summary>
public readonly record struct BkFrame(bool IsLong, byte Code, byte Status, byte[] Payload, int TotalLength);
