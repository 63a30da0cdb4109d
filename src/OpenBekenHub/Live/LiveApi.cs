using OpenBekenHub.Api;
using OpenBekenHub.Mqtt.Events;
using OpenBekenHub.Mqtt.State;

namespace OpenBekenHub.Live;

/// <summary>The pages' live feed: bridge events as SSE, devices in the same projection as REST (<see cref="DeviceDto"/>).</summary>
internal static class LiveApi
{
    /// <summary>Streams bridge events to one browser (served at /api/devices/events).</summary>
    public static async Task StreamDevicesAsync(HttpContext context, HubEventBus bus, DeviceStateStore state)
    {
        using var subscription = bus.Subscribe();
        await Sse.StreamAsync(context, subscription.Reader, e => Project(e, state) is { } payload ? (e.Kind, payload) : null);
    }

    /// <summary>
    /// Device-level events carry the whole <see cref="DeviceDto"/> as it is now; channel and reading events are the
    /// small deltas (same field names). Internal signals and events about devices gone meanwhile are not sent.
    /// </summary>
    internal static object? Project(HubEvent e, DeviceStateStore state) => e switch
    {
        ChannelChanged c => new { device = c.DeviceId, channel = c.Channel, value = c.Value },
        ReadingChanged r => new { device = r.DeviceId, quantity = r.Quantity, value = r.Value },
        DeviceAvailabilityChanged a => state.Find(a.DeviceId) is { } d ? DeviceDto.From(d) : null,
        DeviceAdopted d => DeviceDto.From(d.Device),
        DeviceUpdated d => DeviceDto.From(d.Device),
        DeviceForgotten f => new { device = f.DeviceId },
        BridgeConnectionChanged b => new { connected = b.Connected },
        _ => null,
    };
}
