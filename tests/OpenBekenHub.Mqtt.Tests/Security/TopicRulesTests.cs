using OpenBekenHub.Mqtt.Security;

namespace OpenBekenHub.Mqtt.Tests.Security;

/// <summary>The topic rules as a specification: what each account may publish and subscribe (openbeken.md §1.2, §1.3, §2.5).</summary>
public sealed class TopicRulesTests
{
    private static readonly BrokerAccount Plug = new() { Username = "obk1A2B3C4D", Kind = AccountKind.Plug, GroupTopic = "bekens_n", DeviceName = "OpenBK7231N_1A2B3C4D", ClientId = "obk1A2B3C4D" };
    private static readonly BrokerAccount Ha = new() { Username = "homeassistant", Kind = AccountKind.HomeAssistant };
    private static readonly BrokerAccount Hub = new() { Username = "obkhub", Kind = AccountKind.Hub };

    [Theory]
    [InlineData("a/b", "a/b", true)]
    [InlineData("a/+", "a/b", true)]
    [InlineData("a/+", "a/b/c", false)]
    [InlineData("a/#", "a", true)]
    [InlineData("a/#", "a/b/c", true)]
    [InlineData("#", "a/b", true)]
    [InlineData("+/+/set", "obk1/1/set", true)]
    [InlineData("+/+/set", "obk1/set", false)]
    [InlineData("#", "$SYS/broker/version", false)]
    [InlineData("+/x", "$SYS/x", false)]
    [InlineData("a/b", "a/c", false)]
    [InlineData("a/+/c", "a//c", true)]
    public void Filters_match_topics_as_MQTT_specifies(string filter, string topic, bool matches) =>
        Assert.Equal(matches, TopicFilter.Matches(filter, topic));

    [Theory]
    [InlineData("cmnd/x/#", "cmnd/x/+", true)]
    [InlineData("cmnd/x/#", "cmnd/x/#", true)]
    [InlineData("cmnd/x/#", "cmnd/x", true)]
    [InlineData("cmnd/x/#", "#", false)]
    [InlineData("cmnd/x/#", "cmnd/+/+", false)]
    [InlineData("x/+/set", "x/+/set", true)]
    [InlineData("x/+/set", "x/1/set", true)]
    [InlineData("x/+/set", "x/#", false)]
    [InlineData("homeassistant/+", "homeassistant/status", true)]
    [InlineData("homeassistant/+", "homeassistant/#", false)]
    [InlineData("#", "anything/#", true)]
    public void A_subscription_is_covered_only_when_every_topic_it_matches_is_allowed(string allowed, string requested, bool covered) =>
        Assert.Equal(covered, TopicFilter.Covers(allowed, requested));

    [Theory]
    [InlineData("obk1A2B3C4D/connected", true)]
    [InlineData("obk1A2B3C4D/1/get", true)]
    [InlineData("obk1A2B3C4D/mac", true)]
    [InlineData("obk1A2B3C4D/ip", true)]
    [InlineData("stat/obk1A2B3C4D/STATUS5", true)]
    [InlineData("tele/obk1A2B3C4D/SENSOR", true)]
    [InlineData("homeassistant/switch/OpenBK7231N_1A2B3C4D_relay_1/config", true)]
    [InlineData("homeassistant/light/OpenBK7231N_1A2B3C4D_light/config", true)]
    [InlineData("obk1A2B3C4D/1/set", false)]
    [InlineData("obkOTHER/1/get", false)]
    [InlineData("obkOTHER/mac", false)]
    [InlineData("stat/obkOTHER/STATUS5", false)]
    [InlineData("cmnd/obkOTHER/POWER", false)]
    [InlineData("cmnd/obk1A2B3C4D/POWER", false)]
    [InlineData("homeassistant/switch/OpenBK7231N_99999999_relay_1/config", false)]
    [InlineData("homeassistant/switch/OpenBK7231N_1A2B3C4DX_relay_1/config", false)]
    [InlineData("homeassistant/status", false)]
    [InlineData("obkhub/bridge/state", false)]
    [InlineData("evil/mac", false)]
    [InlineData("obk1A2B3C4D/+/get", false)]
    public void A_plug_publishes_only_its_own_topics(string topic, bool allowed) =>
        Assert.Equal(allowed, TopicRules.CanPublish(Plug, topic));

    [Theory]
    [InlineData("obk1A2B3C4D/+/set", true)]
    [InlineData("obk1A2B3C4D/+/get", true)]
    [InlineData("cmnd/obk1A2B3C4D/+", true)]
    [InlineData("cmnd/obk1A2B3C4D/#", true)]
    [InlineData("bekens_n/+/set", true)]
    [InlineData("cmnd/bekens_n/+", true)]
    [InlineData("homeassistant/+", true)]
    [InlineData("homeassistant/status", true)]
    [InlineData("#", false)]
    [InlineData("cmnd/#", false)]
    [InlineData("cmnd/obkOTHER/+", false)]
    [InlineData("obkOTHER/+/set", false)]
    [InlineData("+/+/set", false)]
    [InlineData("homeassistant/#", false)]
    [InlineData("obk1A2B3C4D/#", false)]
    public void A_plug_subscribes_only_to_its_commands_its_group_and_the_HA_birth(string filter, bool allowed) =>
        Assert.Equal(allowed, TopicRules.CanSubscribe(Plug, filter));

    [Fact]
    public void A_plug_without_a_known_long_name_publishes_no_discovery_config()
    {
        var joined = Plug with { DeviceName = null };
        Assert.False(TopicRules.CanPublish(joined, "homeassistant/switch/OpenBK7231N_1A2B3C4D_relay_1/config"));
        Assert.False(TopicRules.CanSubscribe(Plug with { GroupTopic = null }, "bekens_n/+/set"));
    }

    [Theory]
    [InlineData("obk1A2B3C4D/1/set", true)]
    [InlineData("cmnd/obk1A2B3C4D/POWER", true)]
    [InlineData("cmnd/obk1A2B3C4D/backlog", true)]
    [InlineData("homeassistant/status", true)]
    [InlineData("obk1A2B3C4D/1/get", false)]
    [InlineData("obk1A2B3C4D/connected", false)]
    [InlineData("obk1A2B3C4D/mac", false)]
    [InlineData("stat/obk1A2B3C4D/STATUS5", false)]
    [InlineData("tele/obk1A2B3C4D/STATE", false)]
    [InlineData("homeassistant/switch/x/config", false)]
    [InlineData("obkhub/bridge/state", false)]
    public void Home_Assistant_writes_only_commands_and_its_birth(string topic, bool allowed) =>
        Assert.Equal(allowed, TopicRules.CanPublish(Ha, topic));

    [Fact]
    public void Home_Assistant_reads_everything_and_the_hub_may_do_anything()
    {
        Assert.True(TopicRules.CanSubscribe(Ha, "#"));
        Assert.True(TopicRules.CanPublish(Hub, "homeassistant/switch/obkhub_x/config"));
        Assert.True(TopicRules.CanSubscribe(Hub, "#"));
        Assert.False(TopicRules.CanPublish(Hub, "a/+/b"));
    }

    [Theory]
    [InlineData("obk1A2B3C4D", true)]
    [InlineData("obk_1a2b3c", true)]
    [InlineData("cmnd", false)]
    [InlineData("stat", false)]
    [InlineData("homeassistant", false)]
    [InlineData("a/b", false)]
    [InlineData("a+", false)]
    [InlineData("a#", false)]
    [InlineData("a b", false)]
    [InlineData("a;restart", false)]
    [InlineData("$SYS", false)]
    [InlineData("", false)]
    public void Plug_client_topics_are_single_safe_levels(string name, bool valid) =>
        Assert.Equal(valid, TopicRules.IsValidPlugTopic(name));
}
