using OpenBekenHub.Mqtt.Parsing;

namespace OpenBekenHub.Mqtt.Tests;

/// <summary>The parser against the firmware's recorded payloads (openbeken.md §1.3-1.6, §3.3) and against garbage.</summary>
public sealed class ObkMessageParserTests
{
    private const string C = "obk1A2B3C4D";

    private static ObkObservation Single(string topic, string payload, bool retained = false)
    {
        var m = ObkMessageParser.Parse(topic, payload, retained);
        Assert.NotNull(m);
        Assert.Null(m.Rejection);
        Assert.Equal(C, m.ClientTopic);
        return Assert.Single(m.Observations);
    }

    [Fact]
    public void The_full_broadcast_items_become_typed_observations()
    {
        Assert.Equal(new ConnectedChanged(C, true), Single($"{C}/connected", "online", retained: true));
        Assert.Equal(new ConnectedChanged(C, false), Single($"{C}/connected", "offline"));
        Assert.Equal(new HostReported(C, "obk1A2B3C4D"), Single($"{C}/host", "obk1A2B3C4D"));
        Assert.Equal(new BuildReported(C, "OpenBK7231N 1.18.230 Jan 17 2026 12:00:00", "BK7231N", "1.18.230"), Single($"{C}/build", "OpenBK7231N 1.18.230 Jan 17 2026 12:00:00"));
        Assert.Equal(new IdentityReported(C, "02:0b:1a:2b:3c:4d", null), Single($"{C}/mac", "02:0b:1a:2b:3c:4d"));
        Assert.Equal(new DiagnosticReported(C, "rssi", -62), Single($"{C}/rssi", "-62"));
        Assert.Equal(new DiagnosticReported(C, "uptime", 3600), Single($"{C}/uptime", "3600"));
        Assert.Equal(new IpReported(C, "192.168.1.50"), Single($"{C}/ip", "192.168.1.50"));
        Assert.Equal(new ChannelReported(C, 1, 1), Single($"{C}/1/get", "1"));
    }

    [Fact]
    public void Channel_values_include_the_index_quirk_and_flag_33_floats()
    {
        Assert.Equal(new ChannelReported(C, 1, 255), Single($"{C}/1/get", "255")); // web /index?on= stores 255
        Assert.Equal(new ChannelReported(C, 2, 23), Single($"{C}/2/get", "22.600000")); // flag 33: scaled %f
        Assert.Equal(new ChannelReported(C, 0, 0), Single($"{C}/0/get", "0"));
    }

    [Fact]
    public void Power_meter_values_are_float_strings_on_their_own_topics()
    {
        Assert.Equal(new MeterReported(C, "voltage", 230.1), Single($"{C}/voltage/get", "230.1"));
        Assert.Equal(new MeterReported(C, "power", 25.40), Single($"{C}/power/get", "25.40"));
        Assert.Equal(new MeterReported(C, "energycounter", 1234.567), Single($"{C}/energycounter/get", "1234.567"));
        Assert.Equal(new MeterReported(C, "138", 49.98), Single($"{C}/138/get", "49.98"));
        Assert.Equal(new MeterReported(C, "power_factor", 0.95), Single($"{C}/power_factor/get", "0.95"));
    }

    [Fact]
    public void Stat_replies_carry_identity_build_and_relay_states()
    {
        var net = ObkMessageParser.Parse($"stat/{C}/STATUS5",
            """{"StatusNET":{"Hostname":"obk1A2B3C4D","IPAddress":"192.168.1.50","Gateway":"192.168.0.1","Subnetmask":"255.255.255.0","DNSServer1":"192.168.0.1","Mac":"02:0B:1A:2B:3C:4D","IP6Global":"","IP6Local":"","Ethernet":{}}}""", false)!;
        Assert.Equal([new IdentityReported(C, "02:0b:1a:2b:3c:4d", "192.168.1.50"), new StatReplied(C, "STATUS5", net.Observations.OfType<StatReplied>().Single().Payload)], net.Observations);

        var fwr = ObkMessageParser.Parse($"stat/{C}/STATUS2",
            """{"StatusFWR":{"Version":"OpenBK7231N_1.18.230","BuildDateTime":"Jan 17 2026 12:00:00","Boot":7,"Core":"0.0","SDK":"obk","CpuFrequency":80,"Hardware":"BK7231N","CR":"465/699"}}""", false)!;
        Assert.Equal(new BuildReported(C, "OpenBK7231N 1.18.230", "BK7231N", "1.18.230"), fwr.Observations[0]);

        var one = ObkMessageParser.Parse($"stat/{C}/RESULT", """{"POWER":"ON"}""", false)!;
        Assert.Equal(new PowerReported(C, null, true), one.Observations[0]);
        var two = ObkMessageParser.Parse($"stat/{C}/RESULT", """{"POWER1":"ON","POWER2":"OFF"}""", false)!;
        Assert.Equal([new PowerReported(C, 1, true), new PowerReported(C, 2, false)], two.Observations.OfType<PowerReported>());
        Assert.Equal(new StatReplied(C, "DP", "x"), Single($"stat/{C}/DP", "x"));
    }

    [Theory]
    [InlineData($"{C}/1/get", "")] // a /get request from HA or a script, not a state
    [InlineData($"{C}/1/set", "1")] // a command to the plug
    [InlineData($"cmnd/{C}/POWER", "TOGGLE")]
    [InlineData("homeassistant/status", "online")]
    [InlineData($"{C}/temp", "31.20")] // the plug talking, but nothing the hub follows
    [InlineData($"{C}/led_dimmer/get", "50")]
    [InlineData($"a/b/c/d", "1")]
    [InlineData("+/connected", "online")]
    public void Messages_that_are_not_a_plug_stating_something_are_ignored(string topic, string payload) =>
        Assert.Null(ObkMessageParser.Parse(topic, payload, false));

    [Theory]
    [InlineData($"{C}/connected", "maybe")]
    [InlineData($"{C}/mac", "not a mac")]
    [InlineData($"{C}/ip", "8.8.8.8")] // public: the hub never calls it
    [InlineData($"{C}/ip", "fe80::1")] // IPv6 (used to give a 500)
    [InlineData($"{C}/ip", "127.0.0.1:18099/steal?")]
    [InlineData($"{C}/ip", "10")] // IPAddress.TryParse would take it
    [InlineData($"{C}/build", "Tasmota")]
    [InlineData($"{C}/1/get", "ON")]
    [InlineData($"{C}/99/get", "1")]
    [InlineData($"{C}/voltage/get", "NaN")]
    [InlineData($"{C}/rssi", "1e400")]
    [InlineData($"stat/{C}/RESULT", "{not json")]
    [InlineData($"stat/{C}/STATUS5", """{"StatusNET":{"Mac":"zz"}}""")]
    [InlineData($"stat/{C}/STATUS", "[1,2]")]
    public void Garbage_is_rejected_with_a_reason(string topic, string payload)
    {
        var m = ObkMessageParser.Parse(topic, payload, false);
        Assert.NotNull(m);
        Assert.NotNull(m.Rejection);
        Assert.Empty(m.Observations);
    }

    [Fact]
    public void Sizes_are_bounded()
    {
        Assert.NotNull(ObkMessageParser.Parse($"stat/{C}/STATUS", new string(' ', ObkMessageParser.MaxPayloadLength + 1), false)!.Rejection);
        Assert.Null(ObkMessageParser.Parse(new string('a', ObkMessageParser.MaxTopicLength + 1) + "/connected", "online", false));
        var deep = new string('[', 100) + new string(']', 100);
        Assert.NotNull(ObkMessageParser.Parse($"stat/{C}/STATUS", deep, false)!.Rejection);
        Assert.Null(ObkMessageParser.Parse(new string('c', 65) + "/connected", "online", false)); // not a client topic the firmware can have
    }

    [Theory]
    [InlineData("192.168.1.50", true)]
    [InlineData("10.0.0.7", true)]
    [InlineData("172.31.255.1", true)]
    [InlineData("127.0.0.1", true)]
    [InlineData("172.32.0.1", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("::1", false)]
    [InlineData("192.168.1.050", false)]
    [InlineData("evil.example", false)]
    public void Only_private_ipv4_or_loopback_is_a_device_address(string ip, bool allowed) =>
        Assert.Equal(allowed, DeviceAddress.IsAllowed(ip));
}
