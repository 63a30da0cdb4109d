using OpenBekenHub.Flashing.Chips;

namespace OpenBekenHub.Flashing.Tests.Chips;

public sealed class ChipTests
{
    [Theory]
    [InlineData(0x1560EBu, "TH25Q16HB", 0x200000u, 2, 0x407Cu)]
    [InlineData(0x1523C2u, "MX25V1635F", 0x200000u, 2, 0x103Cu)]
    [InlineData(0x154285u, "P25Q16HB", 0x200000u, 1, 0x7Cu)]
    [InlineData(0x15701Cu, "EN25QH16B", 0x200000u, 1, 0x3Cu)]
    public void Known_flash_parts_give_size_and_protect_mask(uint mid, string name, uint size, int srBytes, uint mask)
    {
        var f = FlashChipTable.Lookup(mid);
        Assert.True(f.Known);
        Assert.Equal(name, f.Name);
        Assert.Equal(size, f.Size);
        Assert.Equal(srBytes, f.StatusBytes);
        Assert.Equal(mask, f.EffectiveMask);
    }

    [Fact]
    public void An_unknown_flash_id_takes_its_size_from_the_capacity_byte()
    {
        var f = FlashChipTable.Lookup(0x1612AB);
        Assert.False(f.Known);
        Assert.Equal(0x400000u, f.Size);
        Assert.Equal(0x407Cu, f.EffectiveMask);
    }

    [Fact]
    public void Chips_are_found_by_name_id_fingerprint_and_file_name()
    {
        Assert.Same(Bk7231T.Instance, ChipRegistry.Find("bk7231t"));
        Assert.Same(Bk7231N.Instance, ChipRegistry.Find("N"));
        Assert.Null(ChipRegistry.Find("auto"));
        Assert.Same(Bk7231N.Instance, ChipRegistry.ByChipId(0x7231C));
        Assert.Same(Bk7231T.Instance, ChipRegistry.ByBootloaderFingerprint(0xBA54C1B8)?.Chip);
        Assert.Same(Bk7231N.Instance, ChipRegistry.ByBootloaderFingerprint(0xE14191BA)?.Chip);
        Assert.Same(Bk7231N.Instance, ChipRegistry.FromFileName("/tmp/OpenBK7231N_QIO_1.17.551.bin"));
    }

    [Fact]
    public void Chip_differences_are_data()
    {
        Assert.True(Bk7231T.Instance.BootloaderIsInFlashOnly);
        Assert.False(Bk7231N.Instance.BootloaderIsInFlashOnly);
        Assert.True(Bk7231N.Instance.NeedsUnprotect);
        Assert.True(Bk7231T.Instance.CrcRelocksFlash);
        Assert.Equal(0x1E1000u, Bk7231T.Instance.ConfigOffset);
        Assert.Equal(0x1D1000u, Bk7231N.Instance.ConfigOffset);
        Assert.Equal(0x121000u, Bk7231T.Instance.AppPartitionSize);
        Assert.Equal(0x119000u, Bk7231N.Instance.AppPartitionSize);
    }
}
