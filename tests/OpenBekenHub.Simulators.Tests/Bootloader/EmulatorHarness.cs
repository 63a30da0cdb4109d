using System.Threading.Channels;
using OpenBekenHub.Simulators.Bootloader;

namespace OpenBekenHub.Simulators.Tests.Bootloader;

/// <summary>One direction of an in-memory serial line.</summary>
internal sealed class ByteLane
{
    private readonly Channel<byte[]> _chunks = Channel.CreateUnbounded<byte[]>();
    private byte[] _current = [];
    private int _offset;

    public void Write(ReadOnlySpan<byte> data) => _chunks.Writer.TryWrite(data.ToArray());

    public void Complete() => _chunks.Writer.TryComplete();

    public async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct)
    {
        while (_offset >= _current.Length)
        {
            if (!await _chunks.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                return 0;
            }
            if (_chunks.Reader.TryRead(out var next))
            {
                _current = next;
                _offset = 0;
            }
        }
        var n = Math.Min(buffer.Length, _current.Length - _offset);
        _current.AsMemory(_offset, n).CopyTo(buffer);
        _offset += n;
        return n;
    }
}

/// <summary>The chip's end of an in-memory line: reads what the host wrote, writes to the host.</summary>
internal sealed class LaneStream(ByteLane input, ByteLane output) : Stream
{
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        input.ReadAsync(buffer, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) =>
        input.ReadAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => output.Write(buffer.AsSpan(offset, count));

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        output.Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        output.Complete();
        base.Dispose(disposing);
    }
}

/// <summary>Runs an emulator on an in-memory line and plays the host: send bytes, read exact replies with a bound.</summary>
internal sealed class EmulatorHarness : IAsyncDisposable
{
    private readonly ByteLane _toChip = new();
    private readonly ByteLane _toHost = new();
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _run;

    public EmulatorHarness(EmulatorOptions options)
    {
        Emulator = new BootloaderEmulator(options);
        _run = Emulator.RunAsync(new LaneStream(_toChip, _toHost), _cts.Token);
    }

    public static EmulatorHarness For(EmulatedChip chip, Action<EmulatorOptions>? configure = null)
    {
        var options = new EmulatorOptions { Chip = chip };
        configure?.Invoke(options);
        return new EmulatorHarness(options);
    }

    public BootloaderEmulator Emulator { get; }

    public Task RunTask => _run;

    public void Send(params byte[] bytes) => _toChip.Write(bytes);

    public void Send(string hex) => _toChip.Write(Hex.Parse(hex));

    public async Task<byte[]> ReadAsync(int count, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(5));
        var buffer = new byte[count];
        var got = 0;
        try
        {
            while (got < count)
            {
                var n = await _toHost.ReadAsync(buffer.AsMemory(got), cts.Token);
                if (n == 0)
                {
                    break;
                }
                got += n;
            }
        }
        catch (OperationCanceledException)
        {
        }
        return buffer[..got];
    }

    /// <summary>Send a request and return exactly <paramref name="replyLength"/> reply bytes (fewer if the chip fell silent).</summary>
    public async Task<byte[]> ExchangeAsync(string requestHex, int replyLength, TimeSpan? timeout = null)
    {
        Send(requestHex);
        return await ReadAsync(replyLength, timeout);
    }

    public async Task LinkAsync()
    {
        Assert.Equal(Hex.Parse("04 0E 05 01 E0 FC 01 00"), await ExchangeAsync("01 E0 FC 01 00", 8));
    }

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        _toChip.Complete();
        try
        {
            await _run.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (OperationCanceledException)
        {
        }
        Emulator.Dispose();
        _cts.Dispose();
    }
}

internal static class Hex
{
    public static byte[] Parse(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);
}
