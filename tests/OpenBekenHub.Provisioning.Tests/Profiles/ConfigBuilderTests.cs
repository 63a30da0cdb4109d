using OpenBekenHub.Provisioning.Chips;
using OpenBekenHub.Provisioning.Config;
using OpenBekenHub.Provisioning.Errors;
using OpenBekenHub.Provisioning.Identity;
using OpenBekenHub.Provisioning.Pins;
using OpenBekenHub.Provisioning.Profiles;
using OpenBekenHub.Provisioning.Templates;

namespace OpenBekenHub.Provisioning.Tests.Profiles;

public sealed class ConfigBuilderTests
{
    private static readonly ProvisioningProfile Profile = new()
    {
        WifiSsid = "HomeWiFi",
        WifiPassword = "secret123",
        MqttHost = "192.168.1.10",
        MqttPort = 1884,
        MqttUser = "hub",
        MqttPassword = "pw",
        ClientTopicPattern = "obk_{mac6}",
        StartupCommand = "startDriver NTP",
        RelayPowerOnState = -1,
    };

    private static readonly PinTemplate Plug = new()
    {
        Name = "plug",
        Pins = [new PinAssignment(26, 1, 1), new PinAssignment(10, 3, 1), new PinAssignment(8, 9, 0)],
        Flags = 1UL << 40,
        StartupCommand = "backlog startDriver BL0942; SetupEnergyStats 1 60 60",
    };

    [Fact]
    public void A_profile_name_MAC_and_template_give_a_complete_unique_config()
    {
        var mac = MacAddress.Parse("c8:47:1a:2b:3c:4d");
        var c = ConfigBuilder.BuildConfig(Profile, ObkChips.BK7231N, "Kitchen plug", mac, Plug);

        Assert.Equal(("HomeWiFi", "secret123"), (c.WifiSsid, c.WifiPassword));
        Assert.Equal(("192.168.1.10", 1884, "hub", "pw"), (c.MqttHost, c.MqttPort, c.MqttUser, c.MqttPassword));
        Assert.Equal("obk_2b3c4d", c.MqttClientId);
        Assert.Equal("bekens_n", c.MqttGroup);
        Assert.Equal(("Kitchen_plug", "OpenBK7231N_1A2B3C4D"), (c.ShortName, c.LongName));
        Assert.Equal(ObkFlags.HubDefault | (1UL << 40), c.Flags);
        Assert.Equal(Plug.Pins, c.Pins);
        Assert.Equal(new Dictionary<int, short> { [1] = -1 }, c.StartValues);
        Assert.Equal("backlog startDriver BL0942; SetupEnergyStats 1 60 60; startDriver NTP", c.InitCommandLine);
        Assert.Equal(mac, c.StoredMac);
        Assert.Equal((3, 10, 5, 5), (c.ButtonShortPress, c.ButtonLongPress, c.ButtonHoldRepeat, c.TimeRequiredToMarkBootSuccessful));

        var read = ObkConfigReader.Parse(ObkConfigWriter.Build(c));
        Assert.Equal(c.MqttClientId, read.MqttClientId);
        Assert.Equal(5, read.Version);
    }

    [Fact]
    public void Two_plugs_without_a_MAC_get_different_client_topics_and_names()
    {
        var a = ConfigBuilder.BuildConfig(Profile, ObkChips.BK7231T, null, null, null);
        var b = ConfigBuilder.BuildConfig(Profile, ObkChips.BK7231T, null, null, null);

        Assert.NotEqual(a.MqttClientId, b.MqttClientId);
        Assert.NotEqual(a.LongName, b.LongName);
        Assert.StartsWith("OpenBK7231T_", a.LongName, StringComparison.Ordinal);
        Assert.Equal("bekens_t", a.MqttGroup);
        Assert.Empty(a.Pins);
    }

    [Fact]
    public void An_invalid_profile_is_refused_naming_each_problem()
    {
        var bad = Profile with { WifiSsid = "", MqttPort = 0, ClientTopicPattern = "all-the-same" };

        var ex = Assert.Throws<ProvisioningException>(() => ConfigBuilder.BuildConfig(bad, ObkChips.BK7231N, null, null, null));

        Assert.Contains("WifiSsid", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MqttPort", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ClientTopicPattern", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_that_makes_an_invalid_client_topic_is_refused()
    {
        var p = Profile with { ClientTopicPattern = "{short}" };
        Assert.Throws<ProvisioningException>(() => ConfigBuilder.BuildConfig(p, ObkChips.BK7231N, "a/b", null, null));
    }

    [Theory]
    [InlineData(new[] { "backlog a; b", "c" }, "backlog a; b; c")]
    [InlineData(new[] { "startDriver NTP" }, "startDriver NTP")]
    [InlineData(new string[0], "")]
    public void Startup_commands_join_into_one_backlog(string[] parts, string expected)
    {
        Assert.Equal(expected, ConfigBuilder.JoinStartup(parts));
    }
}
