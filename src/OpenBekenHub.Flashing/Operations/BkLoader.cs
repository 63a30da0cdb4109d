using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenBekenHub.Flashing.Chips;
using OpenBekenHub.Flashing.Errors;
using OpenBekenHub.Flashing.Progress;
using OpenBekenHub.Flashing.Protocol;
using OpenBekenHub.Flashing.Transport;

namespace OpenBekenHub.Flashing.Operations;

/// <summary>
/// Talks to the bootloader over an <see cref="IBkLink"/>: catch, exchanges with strict reply validation and
/// diagnosing retries, baud change with fallback, and the raw flash operations (see BkLoader.Flash.cs).
/// One loader per connection; not thread-safe.
/// </summary>
public sealed partial class BkLoader
{
    private static readonly byte[] RebootText = "reboot\r\n"u8.ToArray();

    private readonly ILogger _logger;
    private readonly byte[] _rx = new byte[64 * 1024];
    private int _rxCount;

    public BkLoader(IBkLink link, BkLoaderOptions? options = null, ILogger? logger = null)
    {
        Link = link ?? throw new ArgumentNullException(nameof(link));
        Options = options ?? new BkLoaderOptions();
        _logger = logger ?? NullLogger.Instance;
    }

    public IBkLink Link { get; }

    public BkLoaderOptions Options { get; }

    /// <summary>Identified chip (after <see cref="IdentifyAsync"/>), or the caller's choice.</summary>
    public BkChip? Chip { get; set; }

    /// <summary>CheckCRC end semantics, probed by <see cref="IdentifyAsync"/>; until then the chip's default.</summary>
    public bool? CrcEndInclusive { get; set; }

    public uint FlashSize { get; set; } = 0x200000;

    /// <summary>True after a CheckCRC on a flash bootloader that re-locks the flash; cleared by a link check.</summary>
    public bool RelinkNeeded { get; private set; }

    public LoaderStats Stats { get; } = new();

    /// <summary>
    /// Sends link checks until the chip answers or <see cref="BkLoaderOptions.CatchTimeout"/> passes, pulsing
    /// <paramref name="reset"/> now and then. Throws <see cref="BootloaderNotFoundException"/> with a diagnosis.
    /// </summary>
    public async Task CatchAsync(IResetStrategy? reset = null, IProgress<FlashProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        reset ??= ManualCenReset.Instance;
        var linkCheck = BkPacketCodec.Encode(new LinkCheckCommand());
        var clock = Stopwatch.StartNew();
        var lastPulse = TimeSpan.FromDays(-1);
        var lastRebootText = TimeSpan.Zero;
        long garbage = 0;
        var attempts = 0;
        ProgressTracker.Message(progress, FlashPhase.Connecting,
            $"Waiting for the bootloader on {Link.Description} ({reset.Name}); reset the chip now.");
        _rxCount = 0;
        while (clock.Elapsed < Options.CatchTimeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (clock.Elapsed - lastPulse >= Options.ResetPulseInterval)
            {
                lastPulse = clock.Elapsed;
                await reset.PulseAsync(Link, cancellationToken).ConfigureAwait(false);
            }
            if (Options.RebootTextInterval is { } every && clock.Elapsed - lastRebootText >= every)
            {
                lastRebootText = clock.Elapsed;
                await Link.WriteAsync(RebootText, cancellationToken).ConfigureAwait(false);
            }
            attempts++;
            await Link.WriteAsync(linkCheck, cancellationToken).ConfigureAwait(false);
            var until = Stopwatch.GetTimestamp() + Stopwatch.Frequency * Options.LinkCheckReplyTimeout.Ticks / TimeSpan.TicksPerSecond;
            while (Stopwatch.GetTimestamp() < until)
            {
                var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), until);
                var n = await Link.ReadAsync(_rx.AsMemory(_rxCount), remaining.Duration(), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }
                _rxCount += n;
                if (ScanFor(new LinkCheckCommand(), out _, ref garbage))
                {
                    _logger.LogInformation("Bootloader answered after {Attempts} link checks ({Elapsed} ms)", attempts, clock.ElapsedMilliseconds);
                    await DrainAsync(cancellationToken).ConfigureAwait(false);
                    await ExecuteAsync(new LinkCheckCommand(), cancellationToken: cancellationToken).ConfigureAwait(false);
                    RelinkNeeded = false;
                    return;
                }
                if (_rxCount > _rx.Length / 2)
                {
                    garbage += _rxCount;
                    _rxCount = 0;
                }
            }
        }
        throw garbage > 0
            ? new BootloaderNotFoundException(
                $"No bootloader reply on {Link.Description} within {Options.CatchTimeout.TotalSeconds:0} s, but {garbage} bytes of other data arrived.",
                "Something else talks on this UART (firmware log, a TuyaMCU) or the baud is wrong: use RX1/TX1 (P10/P11), not TX2, and reset the chip while this runs.")
            : new BootloaderNotFoundException(
                $"No reply at all on {Link.Description} within {Options.CatchTimeout.TotalSeconds:0} s ({attempts} link checks).",
                "Check TX/RX are crossed (adapter TX -> chip RX1/P10, RX -> TX1/P11), common GND and a stable 3.3 V; then bridge CEN to GND for ~0.25 s (or re-power the plug) while this runs.");
    }

    /// <summary>Waits a quiet moment and drops stale replies (link-check spam leaves some queued).</summary>
    public async Task DrainAsync(CancellationToken cancellationToken = default)
    {
        var buffer = new byte[4096];
        var until = Environment.TickCount64 + (long)Options.PostLinkDrain.TotalMilliseconds;
        while (Environment.TickCount64 < until)
        {
            await Link.ReadAsync(buffer, TimeSpan.FromMilliseconds(Math.Max(1, until - Environment.TickCount64)), cancellationToken).ConfigureAwait(false);
        }
        Link.DiscardInput();
        _rxCount = 0;
    }

    /// <summary>One link check exchange; true when the chip answered.</summary>
    public async Task<bool> TryLinkCheckAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await ExecuteOnceAsync(new LinkCheckCommand(), Options.CommandTimeout, cancellationToken).ConfigureAwait(false);
            RelinkNeeded = false;
            return true;
        }
        catch (FlashException ex) when (ex is ReplyTimeoutException or ReplyCorruptException)
        {
            return false;
        }
    }

    /// <summary>Re-synchronises after a garbled or lost reply: drain, then link checks until one is answered.</summary>
    public async Task ResyncAsync(CancellationToken cancellationToken = default)
    {
        Stats.Resyncs++;
        for (var i = 0; i < Options.ResyncAttempts; i++)
        {
            await DrainAsync(cancellationToken).ConfigureAwait(false);
            if (await TryLinkCheckAsync(cancellationToken).ConfigureAwait(false))
            {
                _logger.LogInformation("Link re-synchronised after {Attempts} attempt(s)", i + 1);
                return;
            }
        }
        throw new ReplyTimeoutException($"The bootloader on {Link.Description} stopped answering (replies, then silence).",
            "Looks like a brown-out or a reset: use a stronger 3.3 V supply, re-power the plug and run the command again; verified regions are skipped.");
    }

    /// <summary>Sends <paramref name="command"/> with retries (for idempotent commands) and returns its decoded reply.</summary>
    public async Task<TReply> ExecuteAsync<TReply>(BkCommand command, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        where TReply : BkReply => (TReply)(await ExecuteAsync(command, timeout, cancellationToken).ConfigureAwait(false))!;

    /// <summary>Sends <paramref name="command"/>, retrying after timeouts and corrupt replies with a re-sync in between.</summary>
    public async Task<BkReply?> ExecuteAsync(BkCommand command, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        FlashException? last = null;
        for (var attempt = 1; attempt <= Options.CommandAttempts; attempt++)
        {
            try
            {
                return await ExecuteOnceAsync(command, timeout ?? TimeoutFor(command), cancellationToken).ConfigureAwait(false);
            }
            catch (FlashException ex) when (ex is ReplyTimeoutException or ReplyCorruptException)
            {
                last = ex;
                Stats.Retries++;
                _logger.LogWarning("{Command}: attempt {Attempt}/{Attempts} failed: {Message}", command.Name, attempt, Options.CommandAttempts, ex.Message);
                if (attempt < Options.CommandAttempts)
                {
                    await ResyncAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        throw last!;
    }

    /// <summary>One exchange, no retry: write the frame, read until the matching reply or the timeout.</summary>
    public async Task<BkReply?> ExecuteOnceAsync(BkCommand command, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        Link.DiscardInput();
        _rxCount = 0;
        var frame = BkPacketCodec.Encode(command);
        await Link.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        Stats.BytesSent += frame.Length;
        if (!command.ExpectsReply)
        {
            return null;
        }
        long garbage = 0;
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (ScanFor(command, out var reply, ref garbage))
            {
                return reply;
            }
            var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (Stopwatch.GetTimestamp() >= deadline)
            {
                break;
            }
            if (_rxCount == _rx.Length)
            {
                garbage += _rxCount;
                _rxCount = 0;
            }
            var n = await Link.ReadAsync(_rx.AsMemory(_rxCount), remaining.Duration(), cancellationToken).ConfigureAwait(false);
            _rxCount += n;
            Stats.BytesReceived += n;
        }
        garbage += _rxCount;
        _rxCount = 0;
        if (garbage > 0)
        {
            Stats.CorruptReplies++;
            throw new ReplyCorruptException($"{command.Name}: {garbage} bytes arrived on {Link.Description} but no valid reply.");
        }
        Stats.Timeouts++;
        throw new ReplyTimeoutException($"{command.Name}: no reply on {Link.Description} within {timeout.TotalMilliseconds:0} ms.",
            "Re-power the plug and retry; if it keeps happening, lower the baud rate.");
    }

    /// <summary>Scans the receive buffer for the reply to <paramref name="command"/>, skipping stale frames of other commands.</summary>
    private bool ScanFor(BkCommand command, out BkReply? reply, ref long garbage)
    {
        reply = null;
        while (_rxCount > 0)
        {
            var status = BkPacketCodec.TryReadFrame(_rx.AsSpan(0, _rxCount), out var frame, out var consumed, out var skipped);
            garbage += skipped;
            if (consumed > 0)
            {
                Buffer.BlockCopy(_rx, consumed, _rx, 0, _rxCount - consumed);
                _rxCount -= consumed;
            }
            if (status == FrameScanStatus.NeedMore)
            {
                return false;
            }
            if (!BkPacketCodec.IsReplyTo(command, frame))
            {
                _logger.LogDebug("{Command}: skipped a stale {Kind} frame with code 0x{Code:X2}", command.Name, frame.IsLong ? "long" : "short", frame.Code);
                continue;
            }
            reply = BkPacketCodec.Decode(command, frame);
            return true;
        }
        return false;
    }

    /// <summary>Timeout for one exchange: base + the command's own time + twice its wire time at the current rate.</summary>
    private TimeSpan TimeoutFor(BkCommand command)
    {
        var wireBytes = 13 + (command.IsLong ? command.Payload().Length : 8) + Math.Max(0, command.ReplyLength);
        var wire = TimeSpan.FromSeconds(2.0 * wireBytes * 10 / Math.Max(1200, Link.BaudRate));
        var extra = command switch
        {
            FlashEraseCommand => Options.EraseTimeout,
            CheckCrcCommand c => TimeSpan.FromSeconds(Math.Max(0, (double)c.End - c.Start) / Options.CrcBytesPerSecond),
            FlashWriteStatusCommand => TimeSpan.FromMilliseconds(200),
            _ => TimeSpan.Zero,
        };
        return Options.CommandTimeout + extra + wire;
    }
}

/// <summary>Counters for diagnostics and the benchmark.</summary>
public sealed class LoaderStats
{
    public long BytesSent { get; set; }
    public long BytesReceived { get; set; }
    public int Retries { get; set; }
    public int Resyncs { get; set; }
    public int Timeouts { get; set; }
    public int CorruptReplies { get; set; }
    public int Erases4K { get; set; }
    public int Erases64K { get; set; }
    public int Writes4K { get; set; }
    public int Reads4K { get; set; }
    public long CrcBytes { get; set; }
    public int CrcCommands { get; set; }
}
