using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.Events;
using OpenBekenHub.Mqtt.Parsing;
using OpenBekenHub.Mqtt.State;

namespace OpenBekenHub.Mqtt.Tests;

/// <summary>The single owner of device state, fed through the parser exactly as the bridge feeds it (no broker).</summary>
public sealed class DeviceStateStoreTests
{
    private const string Mac = "02:0b:1a:2b:3c:4d";
    private const string Id = "obk_020b1a2b3c4d";
    private readonly InMemoryDeviceStore _store = new();
    private readonly HubEventBus _bus = new();
    private readonly DeviceStateStore _state;
    private readonly List<HubEvent> _events = [];

    public DeviceStateStoreTests()
    {
        _state = new DeviceStateStore(_store, _bus);
        _bus.On("test", e =>
        {
            lock (_events)
            {
                _events.Add(e);
            }
        });
    }

    private void Feed(string topic, string payload, bool retain = false)
    {
        if (ObkMessageParser.Parse(topic, payload, retain) is { } m)
        {
            _state.Apply(m);
        }
    }

    private void Plug(string c = "obk1A2B3C4D", string mac = Mac)
    {
        Feed($"{c}/connected", "online", retain: true);
        Feed($"stat/{c}/STATUS5", $$$"""{"StatusNET":{"IPAddress":"192.168.1.50","Mac":"{{{mac}}}"}}""");
    }

    [Fact]
    public void A_plug_is_pending_until_it_showed_its_mac_and_its_connected_then_adopted_with_what_was_seen()
    {
        Feed("obk1A2B3C4D/connected", "online", retain: true);
        Feed("obk1A2B3C4D/1/get", "1");
        Feed("obk1A2B3C4D/build", "OpenBK7231N 1.18.230 Jan 17 2026 12:00:00");
        Assert.Equal(0, _state.Count);
        Assert.Contains(_events, e => e is IdentityNeeded { ClientTopic: "obk1A2B3C4D" });

        Feed("stat/obk1A2B3C4D/STATUS5", """{"StatusNET":{"Hostname":"obk1A2B3C4D","IPAddress":"192.168.1.50","Mac":"02:0B:1A:2B:3C:4D"}}""");

        var device = Assert.Single(_state.List());
        Assert.Equal(Id, device.Id);
        Assert.Equal(Availability.Online, device.Availability); // its live reply is evidence
        Assert.Equal(1, device.Channels[1]);
        Assert.Equal(("BK7231N", "192.168.1.50"), (device.Record.Chip, device.Record.Ip));
        Assert.IsType<DeviceAdopted>(_events.Last(e => e is not IdentityNeeded and not StatReplyReceived));
    }

    [Fact]
    public void A_mac_alone_adopts_nothing_and_unconfirmed_topics_are_capped()
    {
        var state = new DeviceStateStore(_store, _bus, new Options.BridgeOptions { MaxUnconfirmedDevices = 10 });
        for (var i = 0; i < 50; i++)
        {
            state.Apply(ObkMessageParser.Parse($"evil{i}/mac", $"02:00:00:00:00:{i:x2}", false)!);
        }
        Assert.Equal(0, state.Count);
        Assert.Equal(10, state.PendingTopics().Count);
        Assert.Equal(40, state.RefusedCount);
    }

    [Fact]
    public void Events_follow_the_changes_in_order_and_garbage_is_counted_not_thrown()
    {
        Plug();
        Feed("obk1A2B3C4D/1/get", "0");
        lock (_events)
        {
            _events.Clear();
        }

        Feed("obk1A2B3C4D/1/get", "1");
        Feed("obk1A2B3C4D/1/get", "1"); // same value: no event
        Feed("obk1A2B3C4D/voltage/get", "230.1");
        Feed("obk1A2B3C4D/1/get", "ON");
        Feed("obk1A2B3C4D/connected", "maybe");
        Feed("stat/obk1A2B3C4D/RESULT", "{not json");
        Feed("obk1A2B3C4D/connected", "offline");

        Assert.Collection(_events,
            e => Assert.Equal(1, Assert.IsType<ChannelChanged>(e).Value),
            e => Assert.True(Assert.IsType<DeviceUpdated>(e).Device.Record.HasPowerMeter),
            e => Assert.Equal(230.1, Assert.IsType<ReadingChanged>(e).Value),
            e => Assert.Equal(Availability.Offline, Assert.IsType<DeviceAvailabilityChanged>(e).Availability));
        Assert.Equal(3, _state.GarbageCount);
    }

    [Fact]
    public async Task Stored_devices_load_with_unknown_channels_and_unknown_availability()
    {
        await _store.UpsertAsync(new DeviceRecord(Id, "obk1A2B3C4D", Mac, null, null, null, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, "Kettle", null)
        {
            Channels = [new ChannelInfo(1, ChannelRole.Relay)],
        }, CancellationToken.None);
        await _state.LoadAsync(CancellationToken.None);

        var device = _state.Find(Id)!;
        Assert.Equal(Availability.Unknown, device.Availability);
        Assert.Empty(device.Channels); // never a made-up 0

        Feed("obk1A2B3C4D/connected", "online", retain: true); // a retained claim is not evidence
        Assert.Equal(Availability.Unknown, _state.Find(Id)!.Availability);
        Assert.Equal(1, _state.ExpireUnverified());
        Assert.Equal(Availability.Offline, _state.Find(Id)!.Availability);
        Feed("obk1A2B3C4D/1/get", "1"); // the plug itself speaks
        Assert.Equal((Availability.Online, 1), (_state.Find(Id)!.Availability, _state.Find(Id)!.Channels[1]));
        _state.BrokerDisconnected();
        Assert.Equal(Availability.Unknown, _state.Find(Id)!.Availability);
    }

    [Fact]
    public async Task A_forgotten_plug_comes_back_only_when_it_connects_again_live()
    {
        Plug();
        await _state.ForgetAsync(Id, CancellationToken.None);
        Assert.NotNull(_store.Find(Id)!.ForgottenAt);

        Feed("obk1A2B3C4D/connected", "online", retain: true);
        Feed("stat/obk1A2B3C4D/STATUS5", $$$"""{"StatusNET":{"Mac":"{{{Mac}}}"}}"""); // its answer to the hub's own request
        Feed("obk1A2B3C4D/1/get", "1");
        Assert.Equal(0, _state.Count);
        Assert.Equal(Id, Assert.Single(_state.Forgotten()).Id);

        Feed("obk1A2B3C4D/connected", "online", retain: false);
        Assert.Equal(1, _state.Count);
        Assert.Empty(_state.Forgotten());
    }

    [Fact]
    public async Task A_forgotten_device_is_adopted_back_from_the_list()
    {
        Plug();
        await _state.ForgetAsync(Id, CancellationToken.None);

        var back = await _state.AdoptForgottenAsync(Id, CancellationToken.None);

        Assert.NotNull(back);
        Assert.Null(_store.Find(Id)!.ForgottenAt);
        Assert.Equal(1, _state.Count);
    }

    [Fact]
    public void A_known_mac_on_another_topic_is_a_conflict_not_a_move_until_approved()
    {
        Plug("kitchen");
        Plug("evil");

        var device = _state.Find(Id)!;
        Assert.Equal("kitchen", device.ClientTopic);
        Assert.Equal(new IdentityConflict("evil", Mac, device.Conflict!.At), device.Conflict);
        Feed("evil/ip", "192.168.1.66");
        Assert.Equal("192.168.1.50", _state.Find(Id)!.Record.Ip); // the IP of another topic never becomes this device's

        var moved = _state.ApproveMove(Id)!;
        Assert.Equal(("evil", "192.168.1.66"), (moved.ClientTopic, moved.Record.Ip));
        Assert.Null(moved.Conflict);
        Assert.Null(_state.ApproveMove(Id));
    }

    [Fact]
    public void Another_mac_on_a_known_topic_changes_nothing()
    {
        Plug("kitchen");
        Feed("kitchen/mac", "02:00:00:00:00:99");

        var device = _state.Find(Id)!;
        Assert.Equal(Mac, device.Record.Mac);
        Assert.False(device.Conflict!.IsMove);
        Assert.Null(_state.ApproveMove(Id));
    }

    [Fact]
    public async Task A_forget_racing_a_flush_is_never_undone()
    {
        var slow = new SlowStore();
        var state = new DeviceStateStore(slow, _bus);
        state.Apply(ObkMessageParser.Parse("p/connected", "online", false)!);
        state.Apply(ObkMessageParser.Parse("p/mac", Mac, false)!);

        var flush = state.FlushAsync(includeLastSeen: true, CancellationToken.None); // blocks inside the store write
        await slow.Writing.Task.WaitAsync(TimeSpan.FromSeconds(5));
        var forget = state.ForgetAsync(Id, CancellationToken.None);
        slow.Release.SetResult();
        await Task.WhenAll(flush, forget).WaitAsync(TimeSpan.FromSeconds(5));
        await state.FlushAsync(includeLastSeen: true, CancellationToken.None);

        Assert.NotNull(slow.Inner.Find(Id)!.ForgottenAt);
        Assert.Null(state.Find(Id));
    }

    private sealed class SlowStore : IDeviceStore
    {
        public InMemoryDeviceStore Inner { get; } = new();

        public TaskCompletionSource Writing { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<IReadOnlyList<DeviceRecord>> LoadAllAsync(CancellationToken ct) => Inner.LoadAllAsync(ct);

        public async Task UpsertAsync(DeviceRecord device, CancellationToken ct)
        {
            Writing.TrySetResult();
            await Release.Task.WaitAsync(ct);
            await Inner.UpsertAsync(device, ct);
        }

        public Task DeleteAsync(string deviceId, CancellationToken ct) => Inner.DeleteAsync(deviceId, ct);
    }
}
