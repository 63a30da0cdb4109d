using OpenBekenHub.Flashing.Operations;
using OpenBekenHub.Flashing.Protocol;

namespace OpenBekenHub.Flashing.Tests.Operations;

public sealed class FlashPlannerTests
{
    [Fact]
    public void Erase_uses_64K_blocks_where_aligned_and_4K_sectors_elsewhere()
    {
        var plan = BkLoader.PlanErase(0x11000, 0x100000).ToList();
        Assert.Equal(15, plan.TakeWhile(p => p.Size == BkEraseSize.Sector4K).Count()); // 0x11000..0x20000
        Assert.Equal((0x20000u, BkEraseSize.Block64K), plan[15]);
        Assert.Equal(15, plan.Count(p => p.Size == BkEraseSize.Block64K));
        Assert.Equal((0x110000u, BkEraseSize.Sector4K), plan[^1]);
        Assert.Equal(0x100000u, (uint)plan.Sum(p => p.Size.Bytes()));
    }

    [Fact]
    public void Regions_are_cut_at_64K_boundaries()
    {
        var regions = FlashPlanner.Split(0x11000, 0x30000);
        Assert.Equal([new(0x11000, 0xF000), new(0x20000, 0x10000), new(0x30000, 0x10000), new(0x40000, 0x1000)], regions);
    }

    [Fact]
    public void Differential_plan_marks_only_changed_sectors_merged_per_64K_region()
    {
        var current = new byte[0x40000];
        var image = (byte[])current.Clone();
        image[0x1234] = 1;        // sector 0x1000 of region 0
        image[0x2000] = 1;        // adjacent sector 0x2000
        image[0x35FFF] = 1;       // sector 0x35000 of region 3
        var plan = FlashPlanner.FromKnownContent(image, 0x100000, current);
        Assert.Equal([new FlashRegion(0x101000, 0x2000), new FlashRegion(0x135000, 0x1000)], plan.Dirty);
        Assert.Equal(2, plan.Clean.Count);
    }

    [Fact]
    public void Images_are_padded_with_0xFF_to_whole_sectors()
    {
        var padded = FlashPlanner.PadToSectors(new byte[] { 1, 2, 3 });
        Assert.Equal(0x1000, padded.Length);
        Assert.Equal(0xFF, padded[3]);
        Assert.Equal(0xFF, padded[^1]);
    }
}
