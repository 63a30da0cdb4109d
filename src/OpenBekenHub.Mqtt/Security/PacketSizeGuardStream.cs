namespace OpenBekenHub.Mqtt.Security;

/// <summary>Thrown when a client announces an MQTT packet larger than the broker's maximum.</summary>
public sealed class PacketTooLargeException(long size, long max)
    : IOException($"MQTT packet of {size} bytes exceeds the maximum of {max} bytes")
{
    public long Size { get; } = size;
}

/// <summary>
/// Follows MQTT framing on the bytes a client sends and fails the read that completes a fixed header announcing more
/// than <c>maxPacketSize</c> bytes. MQTTnet allocates the whole body as soon as it has read the header (one 200 MiB
/// publish = 200 MiB on the heap), so the size must be refused here, before MQTTnet sees the length.
/// </summary>
public sealed class PacketSizeGuardStream(Stream inner, int maxPacketSize) : Stream
{
    private enum State
    {
        TypeByte,
        Length,
        Body,
    }

    private State _state = State.TypeByte;
    private long _length;
    private int _lengthBytes;
    private int _multiplier = 1;
    private long _bodyLeft;

    /// <summary>Largest remaining length announced so far (diagnostics).</summary>
    public long LargestAnnounced { get; private set; }

    /// <summary>Size of the packet that was refused, or null.</summary>
    public long? RefusedSize { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Inspect(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        Inspect(buffer.AsSpan(offset, read));
        return read;
    }

    private void Inspect(ReadOnlySpan<byte> data)
    {
        var i = 0;
        while (i < data.Length)
        {
            switch (_state)
            {
                case State.TypeByte:
                    _state = State.Length;
                    _length = 0;
                    _lengthBytes = 0;
                    _multiplier = 1;
                    i++;
                    break;
                case State.Length:
                    var b = data[i++];
                    _length += (b & 0x7F) * (long)_multiplier;
                    _multiplier *= 128;
                    _lengthBytes++;
                    if ((b & 0x80) != 0 && _lengthBytes < 4)
                    {
                        break;
                    }
                    LargestAnnounced = Math.Max(LargestAnnounced, _length);
                    // the fixed header counts too: 1 type byte plus the length bytes
                    if (_length + 1 + _lengthBytes > maxPacketSize)
                    {
                        RefusedSize = _length + 1 + _lengthBytes;
                        throw new PacketTooLargeException(_length + 1 + _lengthBytes, maxPacketSize);
                    }
                    _bodyLeft = _length;
                    _state = _bodyLeft == 0 ? State.TypeByte : State.Body;
                    break;
                default:
                    var skip = (int)Math.Min(_bodyLeft, data.Length - i);
                    i += skip;
                    _bodyLeft -= skip;
                    if (_bodyLeft == 0)
                    {
                        _state = State.TypeByte;
                    }
                    break;
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(buffer, cancellationToken);

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
