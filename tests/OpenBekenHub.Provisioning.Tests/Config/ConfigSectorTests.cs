using OpenBekenHub.Provisioning.Chips;
using OpenBekenHub.Provisioning.Config;

namespace OpenBekenHub.Provisioning.Tests.Config;

public sealed class ConfigSectorTests
{
    [Fact]
    public void The_sector_is_the_block_followed_by_erased_flash()
    {
        var config = DocumentedExampleBlockTests.DocumentedExample();
        var sector = ObkConfigWriter.BuildSector(config);

        Assert.Equal(4096, sector.Length);
        Assert.Equal(ObkConfigWriter.Build(config), sector[..3584]);
        Assert.All(sector[3584..], b => Assert.Equal(0xFF, b));
        Assert.Equal("plug1", ObkConfigReader.Parse(sector).MqttClientId);
    }

    [Theory]
    [InlineData("BK7231T", 0x1E1000, 0x1E0000)]
    [InlineData("BK7231N", 0x1D1000, 0x1D0000)]
    public void Placing_in_flash_writes_only_the_config_sector_at_the_chip_offset(string chipName, int configOffset, int rfOffset)
    {
        var chip = ObkChips.Get(chipName);
        Assert.Equal(configOffset, chip.ConfigOffset);
        Assert.Equal(rfOffset, chip.RfOffset);
        var flash = new byte[0x200000];
        new Random(1).NextBytes(flash);

        var placed = ObkConfigWriter.PlaceInFlash(flash, chip, DocumentedExampleBlockTests.DocumentedExample());

        Assert.Equal(flash[..configOffset], placed[..configOffset]);
        Assert.Equal(flash[(configOffset + 0x1000)..], placed[(configOffset + 0x1000)..]);
        Assert.Equal("HomeWiFi", ObkConfigReader.ReadFromFlash(placed, chip).WifiSsid);
        Assert.Same(chip, ObkConfigReader.DetectChip(placed));
    }
}
