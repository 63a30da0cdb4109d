using System.Buffers.Binary;
using System.Text;

namespace OpenBekenHub.Simulators.Bootloader;

/// <summary>What the chip does with one command: the reply bytes (or none), how long the flash is busy before the
/// reply, and side effects on the line or the download mode.</summary>
public sealed record CommandOutcome(byte[]? Reply)
{
    /// <summary>Time the operation takes before the reply starts.</summary>
    public TimeSpan Busy { get; init; }

    /// <summary>The operation overlaps reception of the frame (4K write programs pages while data arrives).</summary>
    public bool BusyOverlapsReception { get; init; }

    /// <summary>SetBaudRate: switch the UART to this rate, wait <see cref="BaudSwitchDelay"/>, then reply at it.</summary>
    public int? SwitchBaudTo { get; init; }

    public TimeSpan BaudSwitchDelay { get; init; }

    /// <summary>Reboot: leave download mode (the app starts; no further replies until a reset).</summary>
    public bool LeavesDownloadMode { get; init; }

    /// <summary>RESET 0x70: watchdog reset back into the download window.</summary>
    public bool Resets { get; init; }

    public static readonly CommandOutcome Silent = new((byte[]?)null);
}

/// <summary>
/// The bootloader's command interpreter: decoded frame in, <see cref="CommandOutcome"/> out. No I/O and no clock;
/// the emulator applies timings and the line. Behaviour follows the protocol doc §3–§6 and §12 per chip profile.
/// </summary>
public sealed class BootloaderCore
{
    private const uint ChipIdRegister = 0x800000;
    private const uint EfuseCtrlRegister = 0x800074;
    private const uint EfuseDataRegister = 0x800078;

    // Default Beken/Tuya key 510fb093 a3cbeadc 5993a17e c7adeb03 as four LE u32 in eFuse bytes 0..15 (doc §5).
    private static readonly uint[] DefaultKey = [0x510FB093, 0xA3CBEADC, 0x5993A17E, 0xC7ADEB03];

    private readonly ChipProfile _profile;
    private readonly EmulatedFlash _flash;
    private readonly bool _realistic;
    private readonly bool _crcInclusive;
    private readonly uint _flashId;
    private readonly ushort _initialStatus;
    private readonly Dictionary<uint, uint> _registers = [];
    private readonly byte[] _efuse = new byte[32];
    private bool _lockMarked;

    internal BootloaderCore(ChipProfile profile, EmulatedFlash flash, EmulatorOptions options)
    {
        _profile = profile;
        _flash = flash;
        _realistic = options.RealisticTimings;
        _crcInclusive = options.CrcEndInclusive ?? profile.CrcEndInclusive;
        _flashId = options.FlashId;
        _initialStatus = options.InitialStatusRegister ?? 0x001C;
        for (var i = 0; i < DefaultKey.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(_efuse.AsSpan(i * 4), DefaultKey[i]);
        }
        PowerOn();
    }

    /// <summary>True after Reboot until the next reset.</summary>
    public bool RunningApp { get; private set; }

    /// <summary>T: CheckCRC re-protected the flash and no LinkCheck has marked it since, so erases will not unprotect.</summary>
    public bool CrcLockPending => _profile.CrcLocksFlash && _flash.WriteProtectAll && !_lockMarked;

    /// <summary>Power-up state: flash SR as the vendor left it (N), the T bootloader's lock engaged and marked.</summary>
    public void PowerOn()
    {
        _flash.StatusRegister = _profile.FullCommandSet ? _initialStatus : (ushort)0;
        Reset();
    }

    /// <summary>Chip reset (CEN pulse): back into the download window. The flash keeps its status register.</summary>
    public void Reset()
    {
        RunningApp = false;
        _registers.Clear();
        _registers[ChipIdRegister] = _profile.ChipId;
        _flash.WriteProtectAll = _profile.CrcLocksFlash;
        _lockMarked = _profile.CrcLocksFlash;
    }

    public CommandOutcome Handle(HostFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return frame.IsLong ? HandleLong(frame.Command, frame.Payload) : HandleShort(frame.Command, frame.Payload);
    }

    private CommandOutcome HandleShort(byte cmd, byte[] p)
    {
        var full = _profile.FullCommandSet;
        switch (cmd)
        {
            case 0x00 when p.Length == 0:
                if (_profile.CrcLocksFlash && _flash.WriteProtectAll)
                {
                    _lockMarked = true;
                }
                return Reply(ChipReply.Short(0x01, [0x00]));
            case 0x01 when full && p.Length == 8:
                WriteRegister(U32(p, 0), U32(p, 4));
                return Reply(ChipReply.Short(0x01, p));
            case 0x03 when full && p.Length == 4:
                {
                    var payload = new byte[8];
                    p.CopyTo(payload, 0);
                    BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(4), ReadRegister(U32(p, 0)));
                    return Reply(ChipReply.Short(0x03, payload));
                }
            case 0x0E when p.Length == 1:
                if (p[0] != 0xA5)
                {
                    return Reply(ChipReply.Short(0x0E, p));
                }
                RunningApp = true;
                return new CommandOutcome((byte[]?)null) { LeavesDownloadMode = true };
            case 0x0F when p.Length == 5:
                {
                    var baud = (int)U32(p, 0);
                    if (baud <= 0)
                    {
                        return CommandOutcome.Silent;
                    }
                    return new CommandOutcome(ChipReply.Short(0x0F, p))
                    {
                        SwitchBaudTo = baud,
                        BaudSwitchDelay = TimeSpan.FromMilliseconds(p[4]),
                    };
                }
            case 0x10 when p.Length == 8:
                return CheckCrc(U32(p, 0), U32(p, 4));
            case 0x11 when _profile.BootVersion is { } version && p.Length == 0:
                return Reply(ChipReply.Short(0x11, Encoding.ASCII.GetBytes(version)));
            case 0x70 when full && p.Length == 4:
                return p.AsSpan().SequenceEqual("SEAN"u8)
                    ? new CommandOutcome((byte[]?)null) { Resets = true }
                    : Reply(ChipReply.Short(0x70, p));
            case 0xAA when full && p.Length == 1:
                return Reply(ChipReply.Short(0xAA, p));
            default:
                return Reply(ChipReply.Short(cmd, [BootStatus.UnknownCommand]));
        }
    }

    private CommandOutcome HandleLong(byte op, byte[] p)
    {
        var full = _profile.FullCommandSet;
        var known = op switch
        {
            0x06 or 0x07 or 0x09 or 0x0F => true,
            0x08 or 0x0A or 0x0B or 0x0C or 0x0D or 0x0E => full,
            _ => false,
        };
        if (!known)
        {
            return Reply(ChipReply.Long(op, BootStatus.UnknownCommand, []));
        }
        var lengthOk = op switch
        {
            0x06 => p.Length is > 4 and <= 4 + 256,
            0x07 => p.Length == 4 + 4096,
            0x08 => p.Length == 5,
            0x09 or 0x0B or 0x0E => p.Length == 4,
            0x0A or 0x0C => p.Length == 1,
            0x0D => p.Length is 2 or 3,
            0x0F => p.Length == 5,
            _ => false,
        };
        if (!lengthOk)
        {
            return Reply(ChipReply.Long(op, BootStatus.PackLenError, []));
        }
        return op switch
        {
            0x06 => Write(op, U32(p, 0), p.AsSpan(4).ToArray()),
            0x07 => Write(op, U32(p, 0), p.AsSpan(4).ToArray()),
            0x08 => Read(op, U32(p, 0), p[4] == 0 ? 256 : p[4]),
            0x09 => Read(op, U32(p, 0), 4096),
            0x0A => Reply(ChipReply.Long(op, BootStatus.ParamError, p)),
            0x0B => Erase(op, 0x20, U32(p, 0), p),
            0x0C => ReadStatus(p[0]),
            0x0D => WriteStatus(p),
            0x0E => Reply(ChipReply.Long(op, BootStatus.Ok, [0x00, (byte)_flashId, (byte)(_flashId >> 8), (byte)(_flashId >> 16)])),
            0x0F => Erase(op, p[0], U32(p, 1), p),
            _ => Reply(ChipReply.Long(op, BootStatus.UnknownCommand, [])),
        };
    }

    private CommandOutcome Read(byte op, uint address, int length)
    {
        var payload = new byte[4 + length];
        BinaryPrimitives.WriteUInt32LittleEndian(payload, address);
        if (Guarded(address))
        {
            payload.AsSpan(4).Fill(0xFF);
            return Reply(ChipReply.Long(op, BootStatus.ParamError, payload));
        }
        _flash.Read(address, length).CopyTo(payload, 4);
        return Reply(ChipReply.Long(op, BootStatus.Ok, payload));
    }

    private CommandOutcome Write(byte op, uint address, byte[] data)
    {
        var echo = new byte[op == 0x06 ? 5 : 4];
        BinaryPrimitives.WriteUInt32LittleEndian(echo, address);
        if (op == 0x06)
        {
            echo[4] = (byte)data.Length; // [IDK]: one byte, so a 256-byte write reports 0
        }
        if (Guarded(address))
        {
            return Reply(ChipReply.Long(op, BootStatus.ParamError, echo));
        }
        _flash.Program(address, data);
        var pages = (data.Length + 255) / 256;
        return new CommandOutcome(ChipReply.Long(op, BootStatus.Ok, echo))
        {
            Busy = _realistic ? TimeSpan.FromMilliseconds(15.0 * pages / 16) : TimeSpan.Zero,
            BusyOverlapsReception = true,
        };
    }

    private CommandOutcome Erase(byte op, byte size, uint address, byte[] echo)
    {
        var (blockSize, busyMs) = size switch
        {
            0x20 => (0x1000, 45.0),
            0x52 => (0x8000, 160.0),
            0xD8 => (0x10000, 300.0),
            _ => (0, 0.0),
        };
        var replyPayload = op == 0x0B ? echo.AsSpan(0, 4).ToArray() : echo;
        if (blockSize == 0 || Guarded(address))
        {
            return Reply(ChipReply.Long(op, BootStatus.ParamError, replyPayload));
        }
        if (_profile.CrcLocksFlash && _lockMarked)
        {
            // The T bootloader unprotects on erase, but only when a LinkCheck marked the lock (doc §4).
            _flash.WriteProtectAll = false;
            _lockMarked = false;
        }
        _flash.Erase(address, blockSize);
        return new CommandOutcome(ChipReply.Long(op, BootStatus.Ok, replyPayload))
        {
            Busy = _realistic ? TimeSpan.FromMilliseconds(busyMs) : TimeSpan.Zero,
        };
    }

    private CommandOutcome CheckCrc(uint start, uint end)
    {
        var length = (long)end - start + (_crcInclusive ? 1 : 0);
        length = Math.Clamp(length, 0, 16L * 1024 * 1024);
        var crc = _flash.ChipCrc(start, length);
        if (_profile.CrcLocksFlash)
        {
            _flash.WriteProtectAll = true;
            _lockMarked = false;
        }
        var payload = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(payload, crc);
        return new CommandOutcome(ChipReply.Short(0x10, payload))
        {
            Busy = _realistic ? TimeSpan.FromSeconds(length / 400_000.0) : TimeSpan.Zero,
        };
    }

    private CommandOutcome ReadStatus(byte opcode)
    {
        var sr = _flash.StatusRegister;
        byte? value = opcode switch
        {
            0x05 => (byte)sr,
            0x35 => (byte)(sr >> 8),
            0x15 => 0,
            _ => null,
        };
        return value is { } v
            ? Reply(ChipReply.Long(0x0C, BootStatus.Ok, [opcode, v]))
            : Reply(ChipReply.Long(0x0C, BootStatus.ParamError, [opcode, 0]));
    }

    private CommandOutcome WriteStatus(byte[] p)
    {
        const ushort writable = 0x7FFC; // WIP/WEL and SUS are read-only
        var sr = _flash.StatusRegister;
        switch (p[0])
        {
            case 0x01 when p.Length == 2:
                sr = (ushort)((sr & 0xFF00) | (p[1] & 0xFC));
                break;
            case 0x01:
                sr = (ushort)((p[1] | (p[2] << 8)) & writable);
                break;
            case 0x31 when p.Length == 2:
                sr = (ushort)((sr & 0x00FF) | ((p[1] << 8) & writable));
                break;
            case 0x11:
                break;
            default:
                return Reply(ChipReply.Long(0x0D, BootStatus.ParamError, p));
        }
        _flash.StatusRegister = sr;
        return new CommandOutcome(ChipReply.Long(0x0D, BootStatus.Ok, p))
        {
            Busy = _realistic ? TimeSpan.FromMilliseconds(5) : TimeSpan.Zero,
        };
    }

    private uint ReadRegister(uint address) => _registers.GetValueOrDefault(address);

    private void WriteRegister(uint address, uint value)
    {
        if (address == ChipIdRegister)
        {
            return;
        }
        if (address == EfuseCtrlRegister && (value & 1) != 0)
        {
            var index = (int)((value >> 8) & 0x1F);
            _registers[EfuseDataRegister] = 0x100u | _efuse[index];
            _registers[EfuseCtrlRegister] = value & ~1u;
            return;
        }
        _registers[address] = value;
    }

    private bool Guarded(uint address) => address < _profile.GuardedBelow;

    private static CommandOutcome Reply(byte[] reply) => new(reply);

    private static uint U32(byte[] p, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(p.AsSpan(offset));
}
