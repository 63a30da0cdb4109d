using System.Text;
using OpenBekenHub.Provisioning.Config;

namespace OpenBekenHub.Provisioning.Tests.Config;

/// <summary>Test vectors of openbeken.md §5.3 (signed-char Beken variant vs standard CRC-8/MAXIM).</summary>
public sealed class ObkCrc8Tests
{
    [Fact]
    public void Check_string_123456789_gives_0x63_signed_and_the_published_0xA1_unsigned()
    {
        var data = Encoding.ASCII.GetBytes("123456789");
        Assert.Equal(0x63, ObkCrc8.ComputeSigned(data));
        Assert.Equal(0xA1, ObkCrc8.ComputeUnsigned(data));
    }

    [Fact]
    public void A_version_5_block_of_zeros_gives_0x31_signed_and_0x2B_unsigned()
    {
        var data = new byte[3580];
        data[0] = 0x05;
        Assert.Equal(0x31, ObkCrc8.ComputeSigned(data));
        Assert.Equal(0x2B, ObkCrc8.ComputeUnsigned(data));
    }

    [Fact]
    public void Single_byte_0x80_gives_0x8C_in_both_variants()
    {
        Assert.Equal(0x8C, ObkCrc8.ComputeSigned([0x80]));
        Assert.Equal(0x8C, ObkCrc8.ComputeUnsigned([0x80]));
    }

    [Fact]
    public void Bytes_01_02_give_0xFE_signed_and_0x78_unsigned()
    {
        Assert.Equal(0xFE, ObkCrc8.ComputeSigned([0x01, 0x02]));
        Assert.Equal(0x78, ObkCrc8.ComputeUnsigned([0x01, 0x02]));
    }
}
