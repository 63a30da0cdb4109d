using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenBekenHub.Flashing.Errors;
using OpenBekenHub.Flashing.Progress;
using OpenBekenHub.Flashing.Protocol;

namespace OpenBekenHub.Flashing.Operations;

/// <summary>Outcome of a safe write.</summary>
public sealed record SafeWriteResult(IReadOnlyList<FlashRegion> Written, IReadOnlyList<FlashRegion> Skipped, int RegionRetries);

/// <summary>
/// Erase + write + verify, region by region. A region counts as done only after the chip's CRC equals the image's;
/// garbled replies and CRC mismatches retry the region after a re-sync; a lost port ends with a
/// <see cref="PortLostException"/> whose <see cref="PortLostException.ResumeAddress"/> is the first unverified region.
/// </summary>
public sealed class SafeWriter(BkLoader loader, ILogger? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>Attempts per region before giving up.</summary>
    public int RegionAttempts { get; init; } = 3;

    /// <param name="image">Sector-padded bytes to place at <paramref name="start"/>.</param>
    /// <param name="plan">Regions to write (dirty) and to skip (clean).</param>
    public async Task<SafeWriteResult> WriteAsync(byte[] image, uint start, FlashPlan plan, IProgress<FlashProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(plan);
        var written = new List<FlashRegion>();
        var retries = 0;
        var tracker = new ProgressTracker(progress, FlashPhase.Writing, plan.DirtyBytes,
            $"Writing {plan.Dirty.Count} region(s), {plan.Clean.Count} already match");
        foreach (var region in plan.Dirty)
        {
            var data = image.AsMemory((int)(region.Address - start), (int)region.Length);
            var expected = BkCrc32.Compute(data.Span);
            FlashException? last = null;
            var verified = false;
            for (var attempt = 1; attempt <= RegionAttempts && !verified; attempt++)
            {
                try
                {
                    await WriteRegionOnceAsync(region, data, tracker, cancellationToken).ConfigureAwait(false);
                    var actual = await loader.CrcAsync(region.Address, region.Length, cancellationToken).ConfigureAwait(false);
                    if (actual == expected)
                    {
                        verified = true;
                        break;
                    }
                    last = new CrcMismatchException($"Region {region}: chip CRC 0x{actual:X8}, image CRC 0x{expected:X8}.");
                    _logger.LogWarning("{Message} (attempt {Attempt}/{Attempts})", last.Message, attempt, RegionAttempts);
                }
                catch (PortLostException ex)
                {
                    throw new PortLostException($"Port lost while writing region {region}; regions before 0x{region.Address:X} are verified.", ex, region.Address);
                }
                catch (FlashException ex) when (ex is ReplyTimeoutException or ReplyCorruptException or BootloaderStatusException)
                {
                    last = ex;
                    _logger.LogWarning("Region {Region}: {Message} (attempt {Attempt}/{Attempts})", region, ex.Message, attempt, RegionAttempts);
                    try
                    {
                        await loader.ResyncAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (PortLostException lost)
                    {
                        throw new PortLostException($"Port lost while writing region {region}; regions before 0x{region.Address:X} are verified.", lost, region.Address);
                    }
                }
                retries++;
                tracker.Advance(-(long)region.Length);
            }
            if (!verified)
            {
                var message = $"Region {region} could not be written and verified after {RegionAttempts} attempts: {last?.Message}";
                throw last is CrcMismatchException ? new CrcMismatchException(message) : new FlashException(message, last?.Hint ?? "", last?.ExitCode ?? FlashExitCodes.General, last);
            }
            written.Add(region);
        }
        return new SafeWriteResult(written, plan.Clean, retries);
    }

    private async Task WriteRegionOnceAsync(FlashRegion region, ReadOnlyMemory<byte> data, ProgressTracker tracker, CancellationToken cancellationToken)
    {
        await loader.EraseRangeAsync(region.Address, region.Length, cancellationToken: cancellationToken).ConfigureAwait(false);
        for (var offset = 0; offset < data.Length; offset += 0x1000)
        {
            var sector = data.Slice(offset, 0x1000);
            if (sector.Span.ContainsAnyExcept((byte)0xFF))
            {
                await loader.Write4KAsync(region.Address + (uint)offset, sector, cancellationToken).ConfigureAwait(false);
            }
            tracker.Advance(0x1000);
        }
    }
}
