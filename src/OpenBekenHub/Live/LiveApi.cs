using OpenBekenHub.Mqtt.Events;

namespace OpenBekenHub.Live;

/// <summary>The pages' live feed: bridge events (devices, channels, readings, connection) as SSE.</summary>
internal static class LiveApi
{
    /// <summary>Streams bridge events to one browser (served at /api/devices/events).</summary>
    public static async Task StreamDevicesAsync(HttpContext context, HubEventBus bus)
    {
        using var subscription = bus.Subscribe();
        await Sse.StreamAsync(context, subscription.Reader, e => (e.Kind, Project(e)));
    }

    /// <summary>Flattens events for the browser: ids and values, never full records with credentials.</summary>
    internal static object Project(HubEvent e) => e switch
    {
        ChannelChanged c => new { device = c.DeviceId, channel = c.Channel, value = c.Value },
        ReadingChanged r => new { device = r.DeviceId, quantity = r.Quantity, value = r.Value },
        DeviceAvailabilityChanged a => new { device = a.DeviceId, online = a.Online },
        DeviceAdopted d => new { device = d.Device.Id, name = d.Device.Record.DisplayName },
        DeviceUpdated d => new { device = d.Device.Id, name = d.Device.Record.DisplayName, area = d.Device.Record.Area, rssi = d.Device.Rssi, build = d.Device.Record.Build },
        DeviceForgotten f => new { device = f.DeviceId },
        BridgeConnectionChanged b => new { connected = b.Connected },
        _ => new { },
    };
}
