namespace OpenBekenHub.Flashing.Transport;

/// <summary>Decorator that counts bytes each way (benchmarks, diagnostics).</summary>
public sealed class CountingLink(IBkLink inner) : IBkLink
{
    private long _written;
    private long _read;

    public long BytesWritten => Interlocked.Read(ref _written);

    public long BytesRead => Interlocked.Read(ref _read);

    public void Reset()
    {
        Interlocked.Exchange(ref _written, 0);
        Interlocked.Exchange(ref _read, 0);
    }

    public string Description => inner.Description;

    public int BaudRate => inner.BaudRate;

    public async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        await inner.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _written, data.Length);
    }

    public async Task<int> ReadAsync(Memory<byte> buffer, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, timeout, cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _read, n);
        return n;
    }

    public Task SetBaudRateAsync(int baudRate, CancellationToken cancellationToken = default) => inner.SetBaudRateAsync(baudRate, cancellationToken);

    public Task DrainTransmitAsync(CancellationToken cancellationToken = default) => inner.DrainTransmitAsync(cancellationToken);

    public void DiscardInput() => inner.DiscardInput();

    public bool TrySetControlLines(bool dtr, bool rts) => inner.TrySetControlLines(dtr, rts);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
