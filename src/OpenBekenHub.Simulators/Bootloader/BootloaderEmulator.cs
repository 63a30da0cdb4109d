using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OpenBekenHub.Simulators.Bootloader;

/// <summary>
/// A BK7231T/N download-mode bootloader served over any <see cref="Stream"/> (a pty, a socat device, an in-memory
/// pipe). Receives host frames, answers byte for byte as the chip does (see <see cref="BootloaderCore"/>), applies
/// the line rate and flash timings when asked, and injects the faults of <see cref="EmulatorOptions.Faults"/>.
/// One <see cref="RunAsync"/> at a time; the flash and chip state survive between runs (a reconnect).
/// </summary>
public sealed class BootloaderEmulator : IDisposable
{
    public const int DefaultBaud = 115200;

    private readonly EmulatorOptions _options;
    private readonly ILogger _logger;
    private readonly ChipProfile _profile;
    private readonly BootloaderCore _core;
    private readonly LineClock _clock = new();
    private readonly object _gate = new();
    private readonly StringBuilder _appText = new();
    private volatile int _currentBaud = DefaultBaud;
    private double? _firstLinkCheckMs;
    private int _replyNumber;
    private bool _silent;
    private bool _dropFired;
    private bool _corruptFired;
    private bool _disconnectFired;
    private bool _silentFired;
    private int? _ignoredBaudOldRate;
    private long _bytesReceived;
    private long _bytesSent;
    private long _repliesSent;
    private long _framesReceived;
    private long _garbageBytes;
    private long _coalescedLinkChecks;
    private volatile bool _resetRequested;

    public BootloaderEmulator(EmulatorOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _profile = ChipProfile.For(options.Chip);
        var image = options.InitialImage ?? SyntheticBootloader.BuildFlash(options.Chip, options.FlashSize);
        Flash = new EmulatedFlash(options.FlashSize, image, options.BackingFile);
        _core = new BootloaderCore(_profile, Flash, options);
    }

    public EmulatedFlash Flash { get; }

    public EmulatorOptions Options => _options;

    /// <summary>The rate the chip's UART is at now.</summary>
    public int CurrentBaud => _currentBaud;

    /// <summary>Reports the host side's line rate when it is knowable (a pty does; an in-memory harness may).
    /// Used for <see cref="FaultPlan.IgnoreBaudChange"/>: bytes sent at another rate are garbage to the chip.</summary>
    public Func<int?>? HostBaudProbe { get; set; }

    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    public long BytesSent => Interlocked.Read(ref _bytesSent);

    public long RepliesSent => Interlocked.Read(ref _repliesSent);

    public long FramesReceived => Interlocked.Read(ref _framesReceived);

    /// <summary>Bytes discarded because they arrived at a rate the chip was not listening at.</summary>
    public long GarbageBytes => Interlocked.Read(ref _garbageBytes);

    /// <summary>Link checks not answered because a newer one was already waiting behind them.</summary>
    public long CoalescedLinkChecks => Interlocked.Read(ref _coalescedLinkChecks);

    /// <summary>True after a Reboot command until the next reset.</summary>
    public bool RunningApp => _core.RunningApp;

    /// <summary>Pulse CEN: the chip resets into its download window at 115200 (takes effect before the next frame).</summary>
    public void Reset() => _resetRequested = true;

    /// <summary>Serve until the stream ends, the disconnect fault fires, or <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(Stream stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var chunks = Channel.CreateUnbounded<RxChunk>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var reader = Task.Run(() => ReceiveAsync(stream, chunks.Writer, linked.Token), CancellationToken.None);
        try
        {
            await ProcessAsync(stream, chunks.Reader, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            await linked.CancelAsync().ConfigureAwait(false);
            try
            {
                // A stream whose reads ignore cancellation (FileStream on a tty) unblocks when its owner disposes it.
                await reader.WaitAsync(TimeSpan.FromMilliseconds(500), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
            {
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
    }

    private async Task ReceiveAsync(Stream stream, ChannelWriter<RxChunk> output, CancellationToken ct)
    {
        var rxFreeMs = 0.0;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var baud = _currentBaud;
                var bufferSize = _options.BaudTimeMode ? Math.Clamp(baud / 10 / 500, 16, 1024) : 8192;
                var buffer = new byte[bufferSize];
                var pending = stream.ReadAsync(buffer, ct);
                var waited = !pending.IsCompleted;
                var n = await pending.ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }
                var now = _clock.NowMs;
                if (_options.Faults.DisconnectAfterBytes is { } limit && !_disconnectFired)
                {
                    var allowed = limit - Interlocked.Read(ref _bytesReceived);
                    if (allowed <= n)
                    {
                        _disconnectFired = true;
                        n = (int)Math.Max(0, allowed);
                        Interlocked.Add(ref _bytesReceived, n);
                        output.TryWrite(new RxChunk(buffer[..n], now, now));
                        _logger.LogInformation("Fault: disconnecting after {Bytes} bytes received", limit);
                        await stream.DisposeAsync().ConfigureAwait(false);
                        break;
                    }
                }
                Interlocked.Add(ref _bytesReceived, n);
                var start = now;
                var end = now;
                if (_options.BaudTimeMode)
                {
                    // Data that was already waiting arrived back-to-back with the previous chunk (and if we fell
                    // behind, it is on the wire already: catch up). A read that had to wait means the line was idle
                    // and this chunk started arriving now.
                    start = waited ? now : Math.Max(rxFreeMs, now - LineClock.WireMs(n, baud));
                    end = start + LineClock.WireMs(n, baud);
                    rxFreeMs = end;
                    await _clock.WaitUntilAsync(end, ct).ConfigureAwait(false);
                }
                output.TryWrite(new RxChunk(buffer[..n], start, end));
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            _logger.LogInformation("Bootloader emulator: stream closed ({Message})", ex.Message);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            output.TryComplete();
        }
    }

    private async Task ProcessAsync(Stream stream, ChannelReader<RxChunk> input, CancellationToken ct)
    {
        var parser = new HostFrameParser(_options.FrameTimeout);
        var txFreeMs = 0.0;
        await foreach (var chunk in input.ReadAllAsync(ct).ConfigureAwait(false))
        {
            if (_resetRequested)
            {
                ApplyReset(parser);
            }
            if (IsGarbage(chunk.Data.Length))
            {
                continue;
            }
            parser.Append(chunk.Data, chunk.StartMs, chunk.EndMs);
            var frames = new List<HostFrame>();
            while (parser.TryTake() is { } next)
            {
                frames.Add(next);
            }
            for (var i = 0; i < frames.Count; i++)
            {
                var frame = frames[i];
                Interlocked.Increment(ref _framesReceived);
                if (IsLinkCheck(frame) && i + 1 < frames.Count && IsLinkCheck(frames[i + 1]))
                {
                    // A burst of link checks that queued up while we were not reading (the host retries every
                    // millisecond or so): on the wire most of them fell before the window. Answer the last one only,
                    // or the host finds a pile of stale replies in front of its next command (hid_download_py#3).
                    Interlocked.Increment(ref _coalescedLinkChecks);
                    continue;
                }
                var reply = Decide(frame, out var replyAtMs, out var switchTo);
                if (switchTo is { } newBaud)
                {
                    if (_options.Faults.IgnoreBaudChange && _ignoredBaudOldRate is null)
                    {
                        _ignoredBaudOldRate = _currentBaud;
                        _logger.LogInformation("Fault: acking baud {Baud} but staying at {Old}", newBaud, _currentBaud);
                    }
                    else
                    {
                        _currentBaud = newBaud;
                    }
                }
                if (reply is not null)
                {
                    txFreeMs = await SendAsync(stream, reply, replyAtMs, txFreeMs, ct).ConfigureAwait(false);
                }
            }
            SniffAppText(parser.TakeSkipped(), parser);
        }
    }

    private byte[]? Decide(HostFrame frame, out double replyAtMs, out int? switchTo)
    {
        replyAtMs = frame.EndMs;
        switchTo = null;
        if (_core.RunningApp || _silent)
        {
            return null;
        }
        if (!frame.IsLong && frame.Command == 0x00 && _options.LinkCheckDelay > TimeSpan.Zero)
        {
            _firstLinkCheckMs ??= frame.EndMs;
            if (frame.EndMs - _firstLinkCheckMs.Value < _options.LinkCheckDelay.TotalMilliseconds)
            {
                return null;
            }
        }
        CommandOutcome outcome;
        lock (_gate)
        {
            outcome = _core.Handle(frame);
        }
        _logger.LogDebug("{Kind} 0x{Cmd:X2} ({Length} B) -> {Reply}", frame.IsLong ? "long" : "short", frame.Command,
            frame.Payload.Length, outcome.Reply is null ? "no reply" : $"{outcome.Reply.Length} B");
        var busyMs = outcome.Busy.TotalMilliseconds;
        replyAtMs = outcome.BusyOverlapsReception
            ? Math.Max(frame.StartMs + busyMs, frame.EndMs + busyMs / 16)
            : frame.EndMs + busyMs;
        if (outcome.SwitchBaudTo is { } baud)
        {
            switchTo = baud;
            replyAtMs = Math.Max(replyAtMs, frame.EndMs + outcome.BaudSwitchDelay.TotalMilliseconds);
        }
        if (outcome.Resets)
        {
            _resetRequested = true;
        }
        if (outcome.LeavesDownloadMode)
        {
            _logger.LogInformation("Reboot: leaving download mode");
        }
        return outcome.Reply is null ? null : ApplyReplyFaults(outcome.Reply);
    }

    private byte[]? ApplyReplyFaults(byte[] reply)
    {
        var number = ++_replyNumber;
        var faults = _options.Faults;
        if (faults.DropReplyNumber == number && !_dropFired)
        {
            _dropFired = true;
            _logger.LogInformation("Fault: dropping reply #{Number}", number);
            return null;
        }
        if (faults.CorruptReplyNumber == number && !_corruptFired)
        {
            _corruptFired = true;
            reply = (byte[])reply.Clone();
            reply[^1] ^= 0xFF;
            _logger.LogInformation("Fault: corrupting the last byte of reply #{Number}", number);
        }
        if (faults.GoSilentAfterReplies is { } silentAfter && number > silentAfter && !_silentFired)
        {
            _silentFired = true;
            _silent = true;
            _logger.LogInformation("Fault: going silent after {Count} replies", silentAfter);
            return null;
        }
        return reply;
    }

    private async Task<double> SendAsync(Stream stream, byte[] reply, double replyAtMs, double txFreeMs, CancellationToken ct)
    {
        await _clock.WaitUntilAsync(replyAtMs, ct).ConfigureAwait(false);
        if (!_options.BaudTimeMode)
        {
            await WriteAsync(stream, reply, ct).ConfigureAwait(false);
            return txFreeMs;
        }
        var baud = _currentBaud;
        var chunkSize = Math.Clamp(baud / 10 / 500, 16, 1024);
        var cursor = Math.Max(txFreeMs, _clock.NowMs);
        for (var offset = 0; offset < reply.Length; offset += chunkSize)
        {
            var n = Math.Min(chunkSize, reply.Length - offset);
            cursor += LineClock.WireMs(n, baud);
            await _clock.WaitUntilAsync(cursor, ct).ConfigureAwait(false);
            await stream.WriteAsync(reply.AsMemory(offset, n), ct).ConfigureAwait(false);
        }
        await stream.FlushAsync(ct).ConfigureAwait(false);
        Interlocked.Add(ref _bytesSent, reply.Length);
        Interlocked.Increment(ref _repliesSent);
        return cursor;
    }

    private async Task WriteAsync(Stream stream, byte[] reply, CancellationToken ct)
    {
        await stream.WriteAsync(reply, ct).ConfigureAwait(false);
        await stream.FlushAsync(ct).ConfigureAwait(false);
        Interlocked.Add(ref _bytesSent, reply.Length);
        Interlocked.Increment(ref _repliesSent);
    }

    private static bool IsLinkCheck(HostFrame frame) => !frame.IsLong && frame.Command == 0x00;

    private bool IsGarbage(int length)
    {
        if (_ignoredBaudOldRate is not { } oldRate)
        {
            if (_options.StrictLineRate && HostBaudProbe?.Invoke() is { } hostRate && hostRate != _currentBaud)
            {
                Interlocked.Add(ref _garbageBytes, length);
                return true;
            }
            return false;
        }
        var host = HostBaudProbe?.Invoke();
        if (host == oldRate)
        {
            _ignoredBaudOldRate = null;
            _logger.LogInformation("Host is back at {Baud}: the chip understands it again", oldRate);
            return false;
        }
        Interlocked.Add(ref _garbageBytes, length);
        return true;
    }

    private void SniffAppText(byte[] skipped, HostFrameParser parser)
    {
        if (!_core.RunningApp || skipped.Length == 0)
        {
            return;
        }
        // OpenBeken's UART command line restarts the chip on "reboot" (what flashers send); we come back in download mode.
        _appText.Append(Encoding.ASCII.GetString(skipped));
        var text = _appText.ToString();
        if (text.Contains("reboot\r", StringComparison.Ordinal) || text.Contains("reboot\n", StringComparison.Ordinal))
        {
            _logger.LogInformation("App received 'reboot': resetting into the download window");
            ApplyReset(parser);
        }
        if (_appText.Length > 64)
        {
            _appText.Remove(0, _appText.Length - 16);
        }
    }

    private void ApplyReset(HostFrameParser parser)
    {
        _resetRequested = false;
        lock (_gate)
        {
            _core.Reset();
        }
        parser.Clear();
        _appText.Clear();
        _currentBaud = DefaultBaud;
        _firstLinkCheckMs = null;
        _silent = false;
        _ignoredBaudOldRate = null;
        _logger.LogInformation("Chip reset: download window open at {Baud}", DefaultBaud);
    }

    public void Dispose() => Flash.Dispose();

    private sealed record RxChunk(byte[] Data, double StartMs, double EndMs);
}
