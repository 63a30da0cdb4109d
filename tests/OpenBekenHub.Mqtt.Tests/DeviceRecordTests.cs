using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.Events;

namespace OpenBekenHub.Mqtt.Tests;

public sealed class DeviceRecordTests
{
    [Theory]
    [InlineData("AA:BB:CC:DD:EE:FF", "aa:bb:cc:dd:ee:ff")]
    [InlineData("aabbccddeeff", "aa:bb:cc:dd:ee:ff")]
    [InlineData("aa-bb-cc-dd-ee-ff", "aa:bb:cc:dd:ee:ff")]
    [InlineData("aa:bb:cc:dd:ee", null)]
    [InlineData("zz:bb:cc:dd:ee:ff", null)]
    [InlineData("", null)]
    public void Mac_addresses_are_normalised_or_refused(string text, string? expected) =>
        Assert.Equal(expected, DeviceRecord.NormalizeMac(text));

    [Fact]
    public void The_id_comes_from_the_mac() =>
        Assert.Equal("obk_aabbccddeeff", DeviceRecord.IdFromMac("AA:BB:CC:DD:EE:FF"));

    [Theory]
    [InlineData("OpenBK7231N 1.18.230 Jan 17 2026 12:00:00", "BK7231N", "1.18.230")]
    [InlineData("OpenBK7231T_1.17.551", "BK7231T", "1.17.551")]
    [InlineData("garbage", null, null)]
    [InlineData("OpenBK7231N x.y", "BK7231N", null)]
    public void Build_strings_give_chip_and_version(string build, string? chip, string? version) =>
        Assert.Equal((chip, version), DeviceRecord.ParseBuild(build));

    [Fact]
    public async Task The_event_bus_fans_out_and_a_slow_reader_loses_only_its_oldest_events()
    {
        var bus = new HubEventBus();
        using var fast = bus.Subscribe();
        using var slow = bus.Subscribe(capacity: 2);

        for (var i = 0; i < 5; i++)
        {
            bus.Publish(new ChannelChanged(DateTimeOffset.UtcNow, "d", 1, i));
        }

        var fastValues = new List<int>();
        while (fast.Reader.TryRead(out var e))
        {
            fastValues.Add(((ChannelChanged)e).Value);
        }
        var slowValues = new List<int>();
        while (slow.Reader.TryRead(out var e))
        {
            slowValues.Add(((ChannelChanged)e).Value);
        }
        Assert.Equal([0, 1, 2, 3, 4], fastValues);
        Assert.Equal([3, 4], slowValues);
        slow.Dispose();
        bus.Publish(new ChannelChanged(DateTimeOffset.UtcNow, "d", 1, 9));
        Assert.Equal(1, bus.SubscriberCount);
        await Task.CompletedTask;
    }
}
