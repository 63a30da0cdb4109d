using System.Buffers.Binary;
using OpenBekenHub.Flashing.Errors;

namespace OpenBekenHub.Flashing.Protocol;

/// <summary>Outcome of scanning a receive buffer for one reply frame.</summary>
public enum FrameScanStatus
{
    /// <summary>No complete frame yet; keep the bytes and read more.</summary>
    NeedMore,

    /// <summary>A complete frame was found.</summary>
    Frame,
}

/// <summary>
/// Pure bytes &lt;-&gt; records for the BK7231 download protocol (bk7231-protocol.md §2-3). No I/O.
/// </summary>
public static class BkPacketCodec
{
    private static readonly byte[] CommandHeader = [0x01, 0xE0, 0xFC];

    /// <summary>Encodes a command as the host sends it.</summary>
    public static byte[] Encode(BkCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var payload = command.Payload();
        if (!command.IsLong && payload.Length + 1 < 0xFF)
        {
            var frame = new byte[5 + payload.Length];
            CommandHeader.CopyTo(frame, 0);
            frame[3] = (byte)(1 + payload.Length);
            frame[4] = command.Code;
            payload.CopyTo(frame, 5);
            return frame;
        }
        var len = 1 + payload.Length;
        var longFrame = new byte[7 + len];
        CommandHeader.CopyTo(longFrame, 0);
        longFrame[3] = 0xFF;
        longFrame[4] = BkOpcode.FlashOperate;
        BinaryPrimitives.WriteUInt16LittleEndian(longFrame.AsSpan(5), (ushort)len);
        longFrame[7] = command.Code;
        payload.CopyTo(longFrame, 8);
        return longFrame;
    }

    /// <summary>
    /// Finds the first reply frame in <paramref name="buffer"/>. <paramref name="skipped"/> counts leading bytes that
    /// cannot start a frame (noise, stale junk); <paramref name="consumed"/> = skipped + frame length when a frame is found.
    /// </summary>
    public static FrameScanStatus TryReadFrame(ReadOnlySpan<byte> buffer, out BkFrame frame, out int consumed, out int skipped)
    {
        frame = default;
        var i = 0;
        while (i < buffer.Length)
        {
            var rest = buffer[i..];
            if (rest[0] != 0x04)
            {
                i++;
                continue;
            }
            if (rest.Length < 2)
            {
                break;
            }
            if (rest[1] != 0x0E)
            {
                i++;
                continue;
            }
            if (rest.Length < 6)
            {
                break;
            }
            if (rest[3] != 0x01 || rest[4] != 0xE0 || rest[5] != 0xFC)
            {
                i++;
                continue;
            }
            var len = rest[2];
            if (len == 0xFF)
            {
                if (rest.Length < 7)
                {
                    break;
                }
                if (rest[6] != BkOpcode.FlashOperate)
                {
                    i++;
                    continue;
                }
                if (rest.Length < 9)
                {
                    break;
                }
                int longLen = BinaryPrimitives.ReadUInt16LittleEndian(rest[7..]);
                if (longLen < 2)
                {
                    i++;
                    continue;
                }
                var total = 9 + longLen;
                if (rest.Length < total)
                {
                    break;
                }
                frame = new BkFrame(true, rest[9], rest[10], rest[11..total].ToArray(), total);
                skipped = i;
                consumed = i + total;
                return FrameScanStatus.Frame;
            }
            if (len < 4)
            {
                i++;
                continue;
            }
            var shortTotal = 3 + len;
            if (rest.Length < shortTotal)
            {
                break;
            }
            frame = new BkFrame(false, rest[6], 0, rest[7..shortTotal].ToArray(), shortTotal);
            skipped = i;
            consumed = i + shortTotal;
            return FrameScanStatus.Frame;
        }
        skipped = i;
        consumed = i;
        return FrameScanStatus.NeedMore;
    }

    /// <summary>True when <paramref name="frame"/> is the kind of reply <paramref name="command"/> waits for.</summary>
    public static bool IsReplyTo(BkCommand command, BkFrame frame) =>
        frame.IsLong == command.IsLong && frame.Code == command.ReplyCode;

    /// <summary>
    /// Validates <paramref name="frame"/> strictly against <paramref name="command"/> (form, code, length, status,
    /// echoed fields) and decodes it. Throws <see cref="ReplyCorruptException"/> or <see cref="BootloaderStatusException"/>.
    /// </summary>
    public static BkReply Decode(BkCommand command, BkFrame frame)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!IsReplyTo(command, frame))
        {
            throw new ReplyCorruptException(
                $"{command.Name}: got a {(frame.IsLong ? "long" : "short")} reply with code 0x{frame.Code:X2}, expected {(command.IsLong ? "long" : "short")} 0x{command.ReplyCode:X2}");
        }
        var p = frame.Payload;
        if (!command.IsLong && p.Length == 1 && p[0] == BkOpcode.UnknownCommandStatus && command is not LinkCheckCommand)
        {
            throw new BootloaderStatusException(command.Name, BkOpcode.UnknownCommandStatus);
        }
        if (command.IsLong && frame.Status != (byte)BkStatus.Ok)
        {
            throw new BootloaderStatusException(command.Name, frame.Status);
        }
        return command switch
        {
            LinkCheckCommand => ExpectLength(command, p, 1) && p[0] == 0 ? new LinkCheckReply() : throw Corrupt(command, "link-check payload is not 00"),
            ReadRegisterCommand r => DecodeRegister(command, p, r.Address, null),
            WriteRegisterCommand w => DecodeRegister(command, p, w.Address, w.Value),
            SetBaudRateCommand b => DecodeBaud(b, p),
            CheckCrcCommand => ExpectLength(command, p, 4) ? new CrcReply(U32(p, 0)) : null!,
            ReadBootVersionCommand => new BootVersionReply(System.Text.Encoding.ASCII.GetString(p).TrimEnd('\0', ' ', '\r', '\n')),
            FlashRead4KCommand r4 => DecodeRead(r4, p),
            FlashWrite4KCommand w4 => ExpectLength(command, p, 4) && ExpectAddress(command, p, 0, w4.Address) ? new FlashWriteReply(w4.Address) : null!,
            FlashEraseCommand e => DecodeErase(e, p),
            FlashReadStatusCommand rs => ExpectLength(command, p, 2) && p[0] == rs.SpiOpcode ? new StatusRegisterReply(rs.SpiOpcode, p[1]) : throw Corrupt(command, "SR opcode not echoed"),
            FlashWriteStatusCommand ws => DecodeWriteStatus(ws, p),
            FlashGetMidCommand => DecodeMid(command, p),
            _ => throw new ArgumentException($"no decoder for {command.GetType().Name}", nameof(command)),
        };
    }

    private static BkReply DecodeRegister(BkCommand command, byte[] p, uint address, uint? value)
    {
        ExpectLength(command, p, 8);
        ExpectAddress(command, p, 0, address);
        var v = U32(p, 4);
        if (value is { } expected && v != expected)
        {
            throw Corrupt(command, $"value echo 0x{v:X} differs from 0x{expected:X}");
        }
        return new RegisterReply(address, v);
    }

    private static BaudRateReply DecodeBaud(SetBaudRateCommand command, byte[] p)
    {
        ExpectLength(command, p, 5);
        var baud = U32(p, 0);
        if (baud != command.BaudRate || p[4] != command.DelayMs)
        {
            throw Corrupt(command, $"echo {baud}/{p[4]} ms differs from the request");
        }
        return new BaudRateReply(baud, p[4]);
    }

    private static FlashReadReply DecodeRead(FlashRead4KCommand command, byte[] p)
    {
        ExpectLength(command, p, 4 + 4096);
        ExpectAddress(command, p, 0, command.Address);
        return new FlashReadReply(command.Address, p[4..]);
    }

    private static FlashEraseReply DecodeErase(FlashEraseCommand command, byte[] p)
    {
        ExpectLength(command, p, 5);
        if (p[0] != (byte)command.Size)
        {
            throw Corrupt(command, $"erase size echo 0x{p[0]:X2} differs from 0x{(byte)command.Size:X2}");
        }
        ExpectAddress(command, p, 1, command.Address);
        return new FlashEraseReply(command.Size, command.Address);
    }

    private static WriteStatusReply DecodeWriteStatus(FlashWriteStatusCommand command, byte[] p)
    {
        ExpectLength(command, p, 1 + command.Values.Length);
        if (p[0] != command.SpiOpcode || !p.AsSpan(1).SequenceEqual(command.Values))
        {
            throw Corrupt(command, "status register echo differs from the request");
        }
        return new WriteStatusReply(command.SpiOpcode, p[1..]);
    }

    private static FlashIdReply DecodeMid(BkCommand command, byte[] p)
    {
        // LEN 6 (4 rx bytes: junk, M, T, C) is normal; some ROMs send LEN 5 (3 bytes: M, T, C).
        if (p.Length == 4)
        {
            return new FlashIdReply((uint)(p[1] | (p[2] << 8) | (p[3] << 16)));
        }
        if (p.Length == 3)
        {
            return new FlashIdReply((uint)(p[0] | (p[1] << 8) | (p[2] << 16)));
        }
        throw Corrupt(command, $"payload is {p.Length} bytes, expected 3 or 4");
    }

    private static bool ExpectLength(BkCommand command, byte[] p, int length) =>
        p.Length == length ? true : throw Corrupt(command, $"payload is {p.Length} bytes, expected {length}");

    private static bool ExpectAddress(BkCommand command, byte[] p, int offset, uint address)
    {
        var echoed = U32(p, offset);
        return echoed == address ? true : throw Corrupt(command, $"address echo 0x{echoed:X} differs from 0x{address:X}");
    }

    private static uint U32(byte[] p, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(p.AsSpan(offset));

    private static ReplyCorruptException Corrupt(BkCommand command, string what) => new($"{command.Name}: corrupt reply: {what}");
}
