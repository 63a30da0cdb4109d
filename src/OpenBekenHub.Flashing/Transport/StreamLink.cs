namespace OpenBekenHub.Flashing.Transport;

/// <summary>A link over any duplex <see cref="Stream"/> (tests, TCP bridges). Baud changes are only recorded.</summary>
public sealed class StreamLink : PumpedLink
{
    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private int _baudRate;

    public StreamLink(Stream stream, string description = "stream", int baudRate = 115200, bool ownsStream = true)
    {
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        Description = description;
        _baudRate = baudRate;
        _ownsStream = ownsStream;
        StartPump();
    }

    public override string Description { get; }

    public override int BaudRate => _baudRate;

    protected override int ReadCore(byte[] buffer) => _stream.Read(buffer, 0, buffer.Length);

    public override async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        try
        {
            await _stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            throw new Errors.PortLostException($"{Description}: write failed ({ex.Message})", ex);
        }
    }

    public override Task SetBaudRateAsync(int baudRate, CancellationToken cancellationToken = default)
    {
        _baudRate = baudRate;
        return Task.CompletedTask;
    }

    public override Task DrainTransmitAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public override bool TrySetControlLines(bool dtr, bool rts) => false;

    protected override async ValueTask DisposeCoreAsync()
    {
        if (_ownsStream)
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
    }
}
