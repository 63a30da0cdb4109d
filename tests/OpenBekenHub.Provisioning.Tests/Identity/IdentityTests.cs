using OpenBekenHub.Provisioning.Chips;
using OpenBekenHub.Provisioning.Identity;

namespace OpenBekenHub.Provisioning.Tests.Identity;

public sealed class IdentityTests
{
    private static readonly MacAddress Mac = MacAddress.Parse("C8:47:1A:2B:3C:4D");

    [Fact]
    public void The_MAC_is_read_from_the_RF_TLV_sector_at_plus_0x24()
    {
        var flash = new byte[0x200000];
        flash.AsSpan().Fill(0xFF);
        RfMac.BuildMinimalSector(Mac).CopyTo(flash, ObkChips.BK7231N.RfOffset);

        Assert.Equal(Mac, RfMac.ReadFromFlash(flash, ObkChips.BK7231N));
        Assert.Equal(new byte[] { 0xC8, 0x47, 0x1A, 0x2B, 0x3C, 0x4D }, flash[(0x1D0000 + 0x24)..(0x1D0000 + 0x2A)]);
        Assert.Equal("TLV\0"u8.ToArray(), flash[0x1D0000..0x1D0004]);
        Assert.Null(RfMac.ReadFromFlash(flash, ObkChips.BK7231T));
    }

    [Fact]
    public void An_erased_or_blank_RF_sector_gives_no_MAC()
    {
        var rf = new byte[4096];
        rf.AsSpan().Fill(0xFF);
        Assert.Null(RfMac.ReadFromRfSector(rf));
        var blank = RfMac.BuildMinimalSector(MacAddress.Parse("000000000000"));
        Assert.Null(RfMac.ReadFromRfSector(blank));
    }

    [Fact]
    public void Default_names_follow_the_firmware_obk_plus_MAC_bytes_2_to_5()
    {
        var names = DeviceNames.FromMac(ObkChips.BK7231N, Mac);

        Assert.Equal("obk1A2B3C4D", names.ShortName);
        Assert.Equal("OpenBK7231N_1A2B3C4D", names.LongName);
        Assert.Equal("OpenBK7231T_1A2B3C4D", DeviceNames.FromMac(ObkChips.BK7231T, Mac).LongName);
    }

    [Fact]
    public void A_user_name_becomes_the_short_name_and_the_long_name_stays_unique()
    {
        var names = DeviceNames.For(ObkChips.BK7231N, DeviceIdentity.FromMac(Mac), "  Kitchen plug ");

        Assert.Equal("Kitchen_plug", names.ShortName);
        Assert.Equal("OpenBK7231N_1A2B3C4D", names.LongName);
        Assert.Equal(31, DeviceNames.SanitizeShortName(new string('a', 40)).Length);
    }

    [Fact]
    public void Without_a_MAC_each_plug_gets_a_different_random_suffix()
    {
        var ids = Enumerable.Range(0, 50).Select(_ => DeviceIdentity.For(null).Suffix).ToList();

        Assert.All(ids, s => Assert.Matches("^[0-9A-F]{8}$", s));
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Theory]
    [InlineData("obk_{mac6}", "obk_2b3c4d")]
    [InlineData("plug-{MAC8}", "plug-1A2B3C4D")]
    [InlineData("{chip}_{mac12}", "bk7231n_c8471a2b3c4d")]
    [InlineData("{short}", "obk1A2B3C4D")]
    public void Client_topic_patterns_expand_from_the_MAC(string pattern, string expected)
    {
        var id = DeviceIdentity.FromMac(Mac);
        Assert.Equal(expected, ClientTopicPattern.Expand(pattern, ObkChips.BK7231N, id, "obk1A2B3C4D"));
    }

    [Fact]
    public void Without_a_MAC_the_mac_placeholders_use_the_random_suffix()
    {
        var id = new DeviceIdentity(null, "A1B2C3D4");
        Assert.Equal("obk_b2c3d4", ClientTopicPattern.Expand("obk_{mac6}", ObkChips.BK7231N, id, "x"));
    }

    [Theory]
    [InlineData("plugs")]
    [InlineData("obk_{chip}")]
    [InlineData("obk_{serial}")]
    [InlineData("")]
    public void Patterns_that_are_not_unique_per_plug_or_unknown_are_refused(string pattern)
    {
        Assert.Throws<ArgumentException>(() => ClientTopicPattern.Validate(pattern));
    }

    [Theory]
    [InlineData("a b")]
    [InlineData("a/b")]
    [InlineData("a+")]
    [InlineData("#")]
    public void Topics_with_wildcards_slashes_or_spaces_are_refused(string topic)
    {
        Assert.Throws<ArgumentException>(() => ClientTopicPattern.CheckTopic(topic));
    }

    [Fact]
    public void MAC_text_forms_parse_and_print_lower_case_with_colons()
    {
        Assert.Equal("c8:47:1a:2b:3c:4d", MacAddress.Parse("c8-47-1a-2b-3c-4d").ToString());
        Assert.Equal(Mac, MacAddress.Parse("C8471A2B3C4D"));
        Assert.False(MacAddress.TryParse("C8471A2B3C", out _));
    }
}
