using OpenBekenHub.Mqtt.Connection;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.Events;

namespace OpenBekenHub.Mqtt.Tests;

/// <summary>The registry learns devices from OpenBeken's topics alone, without a broker.</summary>
public sealed class DeviceRegistryTests
{
    private readonly InMemoryDeviceStore _store = new();
    private readonly HubEventBus _bus = new();
    private readonly DeviceRegistry _registry;
    private readonly List<string> _identityRequests = [];

    public DeviceRegistryTests()
    {
        _registry = new DeviceRegistry(_store, _bus);
        _registry.IdentityNeeded += t =>
        {
            lock (_identityRequests)
            {
                _identityRequests.Add(t);
            }
        };
    }

    private void Feed(string topic, string payload, bool retain = false) => _registry.Handle(new BrokerMessage(topic, payload, retain));

    [Fact]
    public async Task A_plug_is_pending_until_its_mac_is_known_then_adopted_with_what_was_seen()
    {
        using var events = _bus.Subscribe();

        Feed("obk1A2B3C4D/connected", "online", retain: true);
        Feed("obk1A2B3C4D/1/get", "1");
        Feed("obk1A2B3C4D/build", "OpenBK7231N 1.18.230 Jan 17 2026 12:00:00");
        Feed("obk1A2B3C4D/ip", "192.168.1.50");
        Assert.Equal(0, _registry.Count);
        await TestKit.Eventually.TrueAsync(() => { lock (_identityRequests) { return _identityRequests.Contains("obk1A2B3C4D"); } }, because: "it asks the plug for STATUS 5");

        Feed("stat/obk1A2B3C4D/STATUS5", """{"StatusNET":{"Hostname":"obk1A2B3C4D","IPAddress":"192.168.1.50","Mac":"02:0B:1A:2B:3C:4D"}}""");

        var device = Assert.Single(_registry.List());
        Assert.Equal("obk_020b1a2b3c4d", device.Id);
        Assert.True(device.Online);
        Assert.Equal(1, device.Channels[1]);
        Assert.Equal("BK7231N", device.Record.Chip);
        Assert.Equal("192.168.1.50", device.Record.Ip);
        Assert.Equal([new ChannelInfo(1, ChannelRole.Relay)], device.Record.Channels);
        Assert.True(events.Reader.TryRead(out var adopted));
        Assert.IsType<DeviceAdopted>(adopted);
    }

    [Fact]
    public void State_changes_raise_events_and_garbage_is_counted_not_thrown()
    {
        Feed("obk1/mac", "02:0b:00:00:00:01");
        Feed("obk1/connected", "online");
        Feed("obk1/1/get", "0");
        using var events = _bus.Subscribe();

        Feed("obk1/1/get", "1");
        Feed("obk1/1/get", "1"); // same value: no event
        Feed("obk1/voltage/get", "230.1");
        Feed("obk1/1/get", "ON");
        Feed("obk1/connected", "maybe");
        Feed("stat/obk1/RESULT", "{not json");
        Feed("obk1/mac", "not a mac");
        Feed("obk1/connected", "offline");

        var kinds = new List<HubEvent>();
        while (events.Reader.TryRead(out var e))
        {
            kinds.Add(e);
        }
        Assert.Collection(kinds,
            e => Assert.Equal(1, Assert.IsType<ChannelChanged>(e).Value),
            e => Assert.Equal(230.1, Assert.IsType<ReadingChanged>(e).Value),
            e => Assert.IsType<DeviceUpdated>(e), // it has a power meter
            e => Assert.False(Assert.IsType<DeviceAvailabilityChanged>(e).Online));
        Assert.Equal(4, _registry.GarbageCount);
        Assert.True(_registry.List().Single().Record.HasPowerMeter);
    }

    [Fact]
    public async Task A_forgotten_plug_comes_back_only_when_it_connects_again()
    {
        Feed("obk1/mac", "02:0b:00:00:00:01");
        var id = _registry.List().Single().Id;

        await _registry.ForgetAsync(id, CancellationToken.None);
        Feed("obk1/mac", "02:0b:00:00:00:01");
        Feed("obk1/connected", "online", retain: true);
        Assert.Equal(0, _registry.Count);

        Feed("obk1/connected", "online", retain: false);
        Feed("obk1/mac", "02:0b:00:00:00:01");
        Assert.Equal(1, _registry.Count);
    }

    [Fact]
    public async Task Stored_devices_load_offline_and_names_survive_a_topic_change()
    {
        await _store.UpsertAsync(new DeviceRecord("obk_020b00000001", "old_topic", "02:0b:00:00:00:01", null, null, null,
            DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, "Kettle", "Kitchen"), CancellationToken.None);
        await _registry.LoadAsync(CancellationToken.None);
        Assert.False(_registry.Find("obk_020b00000001")!.Online);

        Feed("new_topic/connected", "online");
        Feed("new_topic/mac", "02:0b:00:00:00:01");

        var device = _registry.Find("obk_020b00000001")!;
        Assert.Equal("new_topic", device.ClientTopic);
        Assert.Equal("Kettle", device.Record.FriendlyName);
        Assert.True(device.Online);
        Assert.Equal(1, _registry.Count);
    }
}
