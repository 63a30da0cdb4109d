using OpenBekenHub.Flashing.Progress;
using OpenBekenHub.Flashing.Protocol;

namespace OpenBekenHub.Flashing.Operations;

/// <summary>A 4 KiB-aligned flash range.</summary>
public sealed record FlashRegion(uint Address, uint Length)
{
    public uint End => Address + Length;

    public override string ToString() => $"0x{Address:X6}-0x{End:X6}";
}

/// <summary>Which regions must be written (dirty) and which already hold the image (clean, verified by CRC or backup).</summary>
public sealed record FlashPlan(uint Start, uint Length, IReadOnlyList<FlashRegion> Dirty, IReadOnlyList<FlashRegion> Clean, string Basis)
{
    public long DirtyBytes => Dirty.Sum(r => (long)r.Length);
}

/// <summary>
/// Differential flashing: compare per region, merge dirty sectors, split at 64 KiB boundaries so each region is one
/// 64 KiB block erase or a few 4 KiB sector erases, and is verified and retried on its own.
/// </summary>
public static class FlashPlanner
{
    public const uint RegionSize = 0x10000;

    /// <summary>Pads <paramref name="data"/> with 0xFF to a whole number of 4 KiB sectors.</summary>
    public static byte[] PadToSectors(ReadOnlySpan<byte> data)
    {
        var length = (data.Length + 0xFFF) & ~0xFFF;
        var padded = new byte[length];
        data.CopyTo(padded);
        padded.AsSpan(data.Length).Fill(0xFF);
        return padded;
    }

    /// <summary>[start, start+length) cut at 64 KiB boundaries.</summary>
    public static List<FlashRegion> Split(uint start, uint length)
    {
        var regions = new List<FlashRegion>();
        var address = start;
        var end = start + length;
        while (address < end)
        {
            var next = Math.Min(end, (address / RegionSize + 1) * RegionSize);
            regions.Add(new FlashRegion(address, next - address));
            address = next;
        }
        return regions;
    }

    /// <summary>Every region dirty (differential mode off).</summary>
    public static FlashPlan Full(uint start, uint length) => new(start, length, Split(start, length), [], "full write");

    /// <summary>Plans against known flash content (a verified backup): sector by sector, then merged and split.</summary>
    public static FlashPlan FromKnownContent(ReadOnlySpan<byte> image, uint start, ReadOnlySpan<byte> current)
    {
        if (current.Length < image.Length)
        {
            throw new ArgumentException("known content shorter than the image");
        }
        var dirtySectors = new List<FlashRegion>();
        for (var offset = 0; offset < image.Length; offset += 0x1000)
        {
            var len = Math.Min(0x1000, image.Length - offset);
            if (!image.Slice(offset, len).SequenceEqual(current.Slice(offset, len)))
            {
                dirtySectors.Add(new FlashRegion(start + (uint)offset, (uint)len));
            }
        }
        var dirty = Merge(dirtySectors).SelectMany(r => Split(r.Address, r.Length)).ToList();
        var clean = Split(start, (uint)image.Length).Where(r => !dirty.Any(d => d.Address < r.End && r.Address < d.End)).ToList();
        return new FlashPlan(start, (uint)image.Length, dirty, clean, "known content (backup)");
    }

    /// <summary>Plans by asking the chip for the CRC of each 64 KiB region and comparing with the image.</summary>
    public static async Task<FlashPlan> FromChipCrcAsync(BkLoader loader, byte[] image, uint start, IProgress<FlashProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(loader);
        ArgumentNullException.ThrowIfNull(image);
        var dirty = new List<FlashRegion>();
        var clean = new List<FlashRegion>();
        var tracker = new ProgressTracker(progress, FlashPhase.Planning, image.Length, "Comparing flash with the image (CRC per 64 KiB)");
        foreach (var region in Split(start, (uint)image.Length))
        {
            var expected = BkCrc32.Compute(image.AsSpan((int)(region.Address - start), (int)region.Length));
            var actual = await loader.CrcAsync(region.Address, region.Length, cancellationToken).ConfigureAwait(false);
            (actual == expected ? clean : dirty).Add(region);
            tracker.Advance(region.Length);
        }
        return new FlashPlan(start, (uint)image.Length, dirty, clean, "chip CRC per region");
    }

    /// <summary>Merges adjacent regions.</summary>
    public static List<FlashRegion> Merge(IEnumerable<FlashRegion> regions)
    {
        var merged = new List<FlashRegion>();
        foreach (var r in regions.OrderBy(r => r.Address))
        {
            if (merged.Count > 0 && merged[^1].End == r.Address)
            {
                merged[^1] = merged[^1] with { Length = merged[^1].Length + r.Length };
            }
            else
            {
                merged.Add(r);
            }
        }
        return merged;
    }
}
