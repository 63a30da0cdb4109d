using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Channels;

namespace OpenBekenHub.Simulators.Bootloader;

/// <summary>
/// The master side of a raw, echo-free pseudo-terminal as a <see cref="Stream"/>. Reads poll with a short timeout so
/// they honour cancellation; while no process holds the slave open (the host closed the port) reads wait and retry
/// instead of failing, and writes are dropped, as bytes sent to an unplugged adapter are lost.
/// </summary>
internal sealed class PtyMaster : Stream
{
    private const int PollSliceMs = 50;
    private const int NoSlaveRetryMs = 5;
    private readonly Channel<byte[]> _incoming = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
    private int _fd;
    private Thread? _reader;
    private byte[]? _current;
    private int _currentOffset;

    private readonly int _readChunk;

    private PtyMaster(int fd, string slavePath, int readChunk)
    {
        _fd = fd;
        _readChunk = readChunk;
        SlavePath = slavePath;
    }

    /// <summary>/dev/pts/N</summary>
    public string SlavePath { get; }

    /// <param name="readChunk">Bytes taken from the pty at a time: small keeps back-pressure honest in baud-time mode.</param>
    public static PtyMaster Open(int readChunk = 4096)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("The pty bootloader host needs Linux (posix_openpt, termios2).");
        }
        var fd = PtyNative.PosixOpenPt(PtyNative.ORdWr | PtyNative.ONoCtty);
        Check(fd, "posix_openpt");
        try
        {
            Check(PtyNative.GrantPt(fd), "grantpt");
            Check(PtyNative.UnlockPt(fd), "unlockpt");
            var name = new byte[128];
            var rc = PtyNative.PtsNameR(fd, name, (nuint)name.Length);
            if (rc != 0)
            {
                throw new IOException($"ptsname_r failed: errno {rc}");
            }
            var slavePath = Encoding.ASCII.GetString(name, 0, Array.IndexOf(name, (byte)0));
            MakeRaw(slavePath);
            var flags = PtyNative.Fcntl(fd, PtyNative.FGetFl, 0);
            Check(PtyNative.Fcntl(fd, PtyNative.FSetFl, flags | PtyNative.ONonBlock), "fcntl O_NONBLOCK");
            return new PtyMaster(fd, slavePath, readChunk);
        }
        catch
        {
            _ = PtyNative.Close(fd);
            throw;
        }
    }

    /// <summary>The numeric output rate the host set on the slave (TCGETS2 on the master reaches the slave's termios).</summary>
    public int? HostBaud()
    {
        var fd = _fd;
        if (fd < 0)
        {
            return null;
        }
        var termios2 = new byte[64];
        if (PtyNative.Ioctl(fd, PtyNative.TcGets2, termios2) != 0)
        {
            return null;
        }
        var speed = BinaryPrimitives.ReadInt32LittleEndian(termios2.AsSpan(PtyNative.Termios2OSpeedOffset));
        return speed > 0 ? speed : null;
    }

    private static void MakeRaw(string slavePath)
    {
        // Set raw mode through a slave descriptor, then close it: the settings live as long as the master.
        var slave = PtyNative.Open(slavePath, PtyNative.ORdWr | PtyNative.ONoCtty);
        Check(slave, $"open {slavePath}");
        try
        {
            var termios = new byte[128];
            Check(PtyNative.TcGetAttr(slave, termios), "tcgetattr");
            PtyNative.CfMakeRaw(termios);
            Check(PtyNative.TcSetAttr(slave, 0, termios), "tcsetattr");
        }
        finally
        {
            _ = PtyNative.Close(slave);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        EnsureReader();
        while (_current is null || _currentOffset >= _current.Length)
        {
            ObjectDisposedException.ThrowIf(_fd < 0, this);
            if (!await _incoming.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return 0;
            }
            if (_incoming.Reader.TryRead(out var next))
            {
                _current = next;
                _currentOffset = 0;
            }
        }
        var n = Math.Min(buffer.Length, _current.Length - _currentOffset);
        _current.AsMemory(_currentOffset, n).CopyTo(buffer);
        _currentOffset += n;
        return n;
    }

    private void EnsureReader()
    {
        if (_reader is not null)
        {
            return;
        }
        lock (_incoming)
        {
            _reader ??= StartReader();
        }
    }

    private Thread StartReader()
    {
        // A dedicated thread, not the thread pool: blocking polls must not starve (or be starved by) async work.
        var thread = new Thread(ReadLoop) { IsBackground = true, Name = $"pty {SlavePath}" };
        thread.Start();
        return thread;
    }

    private void ReadLoop()
    {
        var buffer = new byte[_readChunk];
        try
        {
            while (_fd is var fd and >= 0)
            {
                var revents = PollOnce(fd, PtyNative.PollIn, PollSliceMs);
                if ((revents & PtyNative.PollIn) != 0)
                {
                    var n = ReadNow(fd, buffer);
                    if (n > 0)
                    {
                        // Bounded channel: when the emulator stops consuming, we stop reading and the host's writes
                        // back up in the pty, as they would on a real line.
                        _incoming.Writer.WriteAsync(buffer[..n]).AsTask().GetAwaiter().GetResult();
                        continue;
                    }
                }
                if ((revents & PtyNative.PollHup) != 0 || revents < 0)
                {
                    Thread.Sleep(NoSlaveRetryMs); // nobody holds the port open: wait for the host to come back
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ChannelClosedException)
        {
        }
        finally
        {
            _incoming.Writer.TryComplete();
        }
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var offset = 0;
        while (offset < buffer.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var fd = _fd;
            ObjectDisposedException.ThrowIf(fd < 0, this);
            var n = PtyNative.Write(fd, ref MemoryMarshal.GetReference(buffer.Span[offset..]), (nuint)(buffer.Length - offset));
            if (n > 0)
            {
                offset += (int)n;
                continue;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno == PtyNative.EIo)
            {
                return; // nobody holds the port open: the bytes are lost on the wire
            }
            if (errno is PtyNative.EAgain or PtyNative.EIntr or 0)
            {
                await Task.Delay(1, cancellationToken).ConfigureAwait(false);
                continue;
            }
            throw new IOException($"write to pty master failed: errno {errno}");
        }
    }

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    private static int ReadNow(int fd, Span<byte> buffer)
    {
        var n = PtyNative.Read(fd, ref MemoryMarshal.GetReference(buffer), (nuint)buffer.Length);
        if (n >= 0)
        {
            return (int)n;
        }
        var errno = Marshal.GetLastPInvokeError();
        if (errno is PtyNative.EAgain or PtyNative.EIntr or PtyNative.EIo)
        {
            return 0;
        }
        throw new IOException($"read from pty master failed: errno {errno}");
    }

    private static short PollOnce(int fd, short events, int timeoutMs)
    {
        var pfd = new PtyNative.PollFd { Fd = fd, Events = events };
        var rc = PtyNative.Poll(ref pfd, 1, timeoutMs);
        return rc < 0 ? (short)-1 : pfd.REvents;
    }

    private static void Check(int rc, string what)
    {
        if (rc < 0)
        {
            throw new IOException($"{what} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public override bool CanRead => _fd >= 0;

    public override bool CanSeek => false;

    public override bool CanWrite => _fd >= 0;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        var fd = Interlocked.Exchange(ref _fd, -1);
        _incoming.Writer.TryComplete();
        if (fd >= 0)
        {
            _ = PtyNative.Close(fd);
        }
        base.Dispose(disposing);
    }
}
