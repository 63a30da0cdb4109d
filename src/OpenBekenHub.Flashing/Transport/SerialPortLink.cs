using System.IO.Ports;
using OpenBekenHub.Flashing.Errors;

namespace OpenBekenHub.Flashing.Transport;

/// <summary>
/// The real serial port through System.IO.Ports (USB adapters, Pi UART, ptys). 8N1, no flow control.
/// DTR/RTS are best-effort: ptys and some adapters have no such lines (setting them throws IOException).
/// </summary>
public sealed class SerialPortLink : PumpedLink
{
    private readonly SerialPort _port;

    private SerialPortLink(SerialPort port)
    {
        _port = port;
        StartPump();
    }

    public override string Description => _port.PortName;

    public override int BaudRate => _port.BaudRate;

    /// <summary>Opens <paramref name="portName"/> at <paramref name="baudRate"/> (the bootloader links at 115200).</summary>
    public static SerialPortLink Open(string portName, int baudRate = 115200)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(portName);
        var port = new SerialPort(portName, baudRate, Parity.None, 8, StopBits.One)
        {
            Handshake = Handshake.None,
            ReadTimeout = 100,
            WriteTimeout = 10_000,
            ReadBufferSize = 64 * 1024,
            WriteBufferSize = 64 * 1024,
        };
        try
        {
            port.Open();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            port.Dispose();
            throw new PortUnavailableException($"Cannot open {portName}: {ex.Message}", ex);
        }
        return new SerialPortLink(port);
    }

    protected override int ReadCore(byte[] buffer)
    {
        try
        {
            return _port.BaseStream.Read(buffer, 0, buffer.Length);
        }
        catch (TimeoutException)
        {
            return -1;
        }
    }

    public override async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        try
        {
            await _port.BaseStream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException or TimeoutException)
        {
            throw new PortLostException($"{Description}: write failed ({ex.Message})", ex);
        }
    }

    public override Task SetBaudRateAsync(int baudRate, CancellationToken cancellationToken = default)
    {
        try
        {
            _port.BaudRate = baudRate;
        }
        catch (Exception ex) when (ex is IOException or ArgumentOutOfRangeException or InvalidOperationException)
        {
            throw new BaudRateException($"{Description} refused {baudRate} baud: {ex.Message}");
        }
        return Task.CompletedTask;
    }

    public override async Task DrainTransmitAsync(CancellationToken cancellationToken = default)
    {
        var deadline = Environment.TickCount64 + 5000;
        try
        {
            while (_port.BytesToWrite > 0 && Environment.TickCount64 < deadline)
            {
                await Task.Delay(1, cancellationToken).ConfigureAwait(false);
            }
            await Task.Run(() => _port.BaseStream.Flush(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            throw new PortLostException($"{Description}: flush failed ({ex.Message})", ex);
        }
    }

    public override bool TrySetControlLines(bool dtr, bool rts)
    {
        try
        {
            _port.DtrEnable = dtr;
            _port.RtsEnable = rts;
            return true;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    protected override ValueTask DisposeCoreAsync()
    {
        try
        {
            _port.Close();
        }
        catch (IOException)
        {
            // the device may already be gone
        }
        _port.Dispose();
        return ValueTask.CompletedTask;
    }
}
