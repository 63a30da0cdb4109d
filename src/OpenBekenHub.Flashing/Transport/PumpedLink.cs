using OpenBekenHub.Flashing.Errors;

namespace OpenBekenHub.Flashing.Transport;

/// <summary>
/// Base for links whose underlying reads block: a dedicated thread pumps received bytes into a buffer, and
/// <see cref="ReadAsync"/> waits on that buffer with a timeout, so no stream read is ever cancelled half-way.
/// </summary>
public abstract class PumpedLink : IBkLink
{
    private readonly object _gate = new();
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _count;
    private TaskCompletionSource _arrived = NewSignal();
    private Exception? _fault;
    private Thread? _pump;
    private volatile bool _disposed;

    public abstract string Description { get; }

    public abstract int BaudRate { get; }

    protected bool IsDisposed => _disposed;

    /// <summary>Starts the receive pump; call once the underlying stream is open.</summary>
    protected void StartPump()
    {
        _pump = new Thread(PumpLoop) { IsBackground = true, Name = $"bk-link-rx {Description}" };
        _pump.Start();
    }

    /// <summary>Blocking read of at least one byte; returns 0 at end of stream, -1 for "nothing yet, ask again".</summary>
    protected abstract int ReadCore(byte[] buffer);

    public abstract Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);

    public abstract Task SetBaudRateAsync(int baudRate, CancellationToken cancellationToken = default);

    public abstract Task DrainTransmitAsync(CancellationToken cancellationToken = default);

    public abstract bool TrySetControlLines(bool dtr, bool rts);

    public async Task<int> ReadAsync(Memory<byte> buffer, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            Task signal;
            lock (_gate)
            {
                if (_count > 0)
                {
                    var n = Math.Min(_count, buffer.Length);
                    _buffer.AsSpan(_start, n).CopyTo(buffer.Span);
                    _start += n;
                    _count -= n;
                    if (_count == 0)
                    {
                        _start = 0;
                    }
                    return n;
                }
                if (_fault is not null)
                {
                    throw new PortLostException($"{Description}: port lost ({_fault.Message})", _fault);
                }
                ObjectDisposedException.ThrowIf(_disposed, this);
                signal = _arrived.Task;
            }
            var remaining = deadline - Environment.TickCount64;
            if (remaining <= 0)
            {
                return 0;
            }
            try
            {
                await signal.WaitAsync(TimeSpan.FromMilliseconds(remaining), cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return 0;
            }
        }
    }

    public void DiscardInput()
    {
        lock (_gate)
        {
            _start = 0;
            _count = 0;
        }
    }

    private void PumpLoop()
    {
        var chunk = new byte[16 * 1024];
        while (!_disposed)
        {
            int n;
            try
            {
                n = ReadCore(chunk);
            }
            catch (Exception ex) when (!_disposed)
            {
                Fail(ex);
                return;
            }
            catch
            {
                return;
            }
            if (n < 0)
            {
                continue;
            }
            if (n == 0)
            {
                if (!_disposed)
                {
                    Fail(new EndOfStreamException("end of stream"));
                }
                return;
            }
            TaskCompletionSource toSignal;
            lock (_gate)
            {
                if (_start + _count + n > _buffer.Length)
                {
                    if (_count + n > _buffer.Length)
                    {
                        Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _count + n));
                    }
                    Buffer.BlockCopy(_buffer, _start, _buffer, 0, _count);
                    _start = 0;
                }
                Buffer.BlockCopy(chunk, 0, _buffer, _start + _count, n);
                _count += n;
                toSignal = _arrived;
                _arrived = NewSignal();
            }
            toSignal.TrySetResult();
        }
    }

    private void Fail(Exception ex)
    {
        TaskCompletionSource toSignal;
        lock (_gate)
        {
            _fault = ex;
            toSignal = _arrived;
            _arrived = NewSignal();
        }
        toSignal.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        await DisposeCoreAsync().ConfigureAwait(false);
        TaskCompletionSource toSignal;
        lock (_gate)
        {
            toSignal = _arrived;
        }
        toSignal.TrySetResult();
        _pump?.Join(TimeSpan.FromMilliseconds(500));
        GC.SuppressFinalize(this);
    }

    /// <summary>Closes the underlying stream so the pump's blocking read ends.</summary>
    protected abstract ValueTask DisposeCoreAsync();
}
