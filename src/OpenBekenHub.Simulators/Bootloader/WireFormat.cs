using System.Buffers.Binary;

namespace OpenBekenHub.Simulators.Bootloader;

/// <summary>One host→chip command as it came off the wire (protocol doc §2.1).</summary>
/// <param name="IsLong">Sent as <c>01 E0 FC FF F4 LEN16 OP …</c> ("flash operate").</param>
/// <param name="Command">CMD of a short frame, OP of a long one.</param>
/// <param name="Payload">Bytes after CMD/OP.</param>
/// <param name="StartMs">Arrival of the frame's first byte on the emulator's clock.</param>
/// <param name="EndMs">Arrival of its last byte.</param>
public sealed record HostFrame(bool IsLong, byte Command, byte[] Payload, double StartMs, double EndMs);

/// <summary>Encodes chip→host replies (protocol doc §2.2). Pure.</summary>
public static class ChipReply
{
    /// <summary><c>04 0E LEN 01 E0 FC CODE payload</c>, LEN = 4 + payload.</summary>
    public static byte[] Short(byte code, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[7 + payload.Length];
        frame[0] = 0x04;
        frame[1] = 0x0E;
        frame[2] = checked((byte)(4 + payload.Length));
        frame[3] = 0x01;
        frame[4] = 0xE0;
        frame[5] = 0xFC;
        frame[6] = code;
        payload.CopyTo(frame.AsSpan(7));
        return frame;
    }

    /// <summary><c>04 0E FF 01 E0 FC F4 LEN16 OP STATUS payload</c>, LEN = 2 + payload.</summary>
    public static byte[] Long(byte op, byte status, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[11 + payload.Length];
        frame[0] = 0x04;
        frame[1] = 0x0E;
        frame[2] = 0xFF;
        frame[3] = 0x01;
        frame[4] = 0xE0;
        frame[5] = 0xFC;
        frame[6] = 0xF4;
        BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(7), checked((ushort)(2 + payload.Length)));
        frame[9] = op;
        frame[10] = status;
        payload.CopyTo(frame.AsSpan(11));
        return frame;
    }
}

/// <summary>Status byte of long replies ([IDK] type.h).</summary>
public static class BootStatus
{
    public const byte Ok = 0;
    public const byte PackLenError = 4;
    public const byte ParamError = 6;
    public const byte UnknownCommand = 7;
}

/// <summary>
/// Incremental host→chip frame decoder. Bytes that do not start a frame are skipped (they are returned by
/// <see cref="TakeSkipped"/> so the app-mode "reboot" text can be sniffed). A partial frame is dropped when the
/// line was idle longer than the frame timeout, like the chip's UART receive state machine.
/// </summary>
public sealed class HostFrameParser
{
    private const int MaxFrame = 7 + 0xFFFF;
    private readonly double _frameTimeoutMs;
    private byte[] _buffer = new byte[8192];
    private double[] _times = new double[8192];
    private int _count;
    private readonly List<byte> _skipped = [];
    private double _lastByteMs = double.NegativeInfinity;

    public HostFrameParser(TimeSpan frameTimeout)
    {
        _frameTimeoutMs = frameTimeout.TotalMilliseconds;
    }

    /// <summary>Partial frames dropped because the line went idle.</summary>
    public long DroppedPartials { get; private set; }

    /// <summary>Feed bytes that arrived evenly spread between <paramref name="startMs"/> and <paramref name="endMs"/>.</summary>
    public void Append(ReadOnlySpan<byte> data, double startMs, double endMs)
    {
        if (_count > 0 && startMs - _lastByteMs > _frameTimeoutMs)
        {
            DroppedPartials++;
            _skipped.AddRange(_buffer.AsSpan(0, _count).ToArray());
            _count = 0;
        }
        if (_count + data.Length > _buffer.Length)
        {
            var size = Math.Max(_buffer.Length * 2, _count + data.Length);
            Array.Resize(ref _buffer, size);
            Array.Resize(ref _times, size);
        }
        data.CopyTo(_buffer.AsSpan(_count));
        for (var i = 0; i < data.Length; i++)
        {
            _times[_count + i] = data.Length == 1 ? endMs : startMs + (endMs - startMs) * (i + 1) / data.Length;
        }
        _count += data.Length;
        _lastByteMs = endMs;
    }

    /// <summary>Bytes skipped while hunting for a frame since the last call.</summary>
    public byte[] TakeSkipped()
    {
        var result = _skipped.ToArray();
        _skipped.Clear();
        return result;
    }

    public void Clear()
    {
        _count = 0;
        _skipped.Clear();
    }

    /// <summary>The next complete frame, or null when more bytes are needed.</summary>
    public HostFrame? TryTake()
    {
        while (_count > 0)
        {
            var start = FindPreamble();
            if (start > 0)
            {
                Skip(start);
            }
            if (_count < 5)
            {
                return null;
            }
            int total;
            bool isLong;
            if (_buffer[3] == 0xFF)
            {
                if (_count < 8)
                {
                    return null;
                }
                var len = BinaryPrimitives.ReadUInt16LittleEndian(_buffer.AsSpan(5));
                if (_buffer[4] != 0xF4 || len == 0)
                {
                    Skip(1);
                    continue;
                }
                isLong = true;
                total = 7 + len;
            }
            else
            {
                if (_buffer[3] == 0)
                {
                    Skip(1);
                    continue;
                }
                isLong = false;
                total = 4 + _buffer[3];
            }
            if (_count < total)
            {
                return null;
            }
            var headerLength = isLong ? 7 : 4;
            var frame = new HostFrame(isLong, _buffer[headerLength],
                _buffer.AsSpan(headerLength + 1, total - headerLength - 1).ToArray(), _times[0], _times[total - 1]);
            Consume(total);
            return frame;
        }
        return null;
    }

    private int FindPreamble()
    {
        for (var i = 0; i < _count; i++)
        {
            if (_buffer[i] != 0x01)
            {
                continue;
            }
            if ((i + 1 >= _count || _buffer[i + 1] == 0xE0) && (i + 2 >= _count || _buffer[i + 2] == 0xFC))
            {
                return i;
            }
        }
        return _count;
    }

    private void Skip(int n)
    {
        _skipped.AddRange(_buffer.AsSpan(0, n).ToArray());
        Consume(n);
    }

    private void Consume(int n)
    {
        Array.Copy(_buffer, n, _buffer, 0, _count - n);
        Array.Copy(_times, n, _times, 0, _count - n);
        _count -= n;
        if (_count == 0 && _buffer.Length > MaxFrame)
        {
            _buffer = new byte[8192];
            _times = new double[8192];
        }
    }
}
