namespace OpenBekenHub.Flashing.Transport;

/// <summary>A byte link to the chip's UART1: serial port, pty or any stream. Every wait is bounded.</summary>
public interface IBkLink : IAsyncDisposable
{
    /// <summary>Port name or stream description, for messages.</summary>
    string Description { get; }

    /// <summary>The host side's current line rate.</summary>
    int BaudRate { get; }

    Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads what is available (at least one byte), waiting at most <paramref name="timeout"/>; returns 0 on timeout.
    /// Throws <see cref="Errors.PortLostException"/> when the port is gone.
    /// </summary>
    Task<int> ReadAsync(Memory<byte> buffer, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Changes the host side's line rate.</summary>
    Task SetBaudRateAsync(int baudRate, CancellationToken cancellationToken = default);

    /// <summary>Waits until written bytes have left the host (needed before a baud change).</summary>
    Task DrainTransmitAsync(CancellationToken cancellationToken = default);

    /// <summary>Drops everything received so far.</summary>
    void DiscardInput();

    /// <summary>Best-effort DTR/RTS; false when the port has no such lines (pty, some adapters).</summary>
    bool TrySetControlLines(bool dtr, bool rts);
}
