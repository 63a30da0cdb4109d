using System.Text;
using OpenBekenHub.Flashing.Images;
using OpenBekenHub.Flashing.Protocol;

namespace OpenBekenHub.Flashing.Tests.Protocol;

public sealed class ChecksumTests
{
    [Fact]
    public void Bootloader_crc_of_4K_of_0xFF_is_the_raw_register_0x0EAB98F5()
    {
        var ff = Enumerable.Repeat((byte)0xFF, 4096).ToArray();
        Assert.Equal(0x0EAB98F5u, BkCrc32.Compute(ff));
        Assert.Equal(0xF154670Au, BkCrc32.Standard(ff));
    }

    [Fact]
    public void Standard_crc32_check_value()
    {
        Assert.Equal(0xCBF43926u, BkCrc32.Standard(Encoding.ASCII.GetBytes("123456789")));
    }

    [Fact]
    public void Running_crc_equals_one_shot()
    {
        var data = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        Assert.Equal(BkCrc32.Compute(data), BkCrc32.Update(BkCrc32.Compute(data.AsSpan(0, 300)), data.AsSpan(300)));
    }

    [Fact]
    public void Crc16_cms_check_value()
    {
        Assert.Equal(0xAEE7, Crc16Cms.Compute(Encoding.ASCII.GetBytes("123456789")));
    }
}
