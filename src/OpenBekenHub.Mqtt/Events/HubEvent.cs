using OpenBekenHub.Mqtt.Devices;

namespace OpenBekenHub.Mqtt.Events;

/// <summary>Something the pages (SSE) and other parts of the hub care about. <see cref="Kind"/> names it on the wire.</summary>
public abstract record HubEvent(DateTimeOffset At)
{
    public abstract string Kind { get; }
}

/// <summary>A new OpenBeken device was found from its topics and recorded.</summary>
public sealed record DeviceAdopted(DateTimeOffset At, DeviceSnapshot Device) : HubEvent(At)
{
    public override string Kind => "device-adopted";
}

/// <summary>Stored facts changed (IP, build, name, area, channels...).</summary>
public sealed record DeviceUpdated(DateTimeOffset At, DeviceSnapshot Device) : HubEvent(At)
{
    public override string Kind => "device-updated";
}

/// <summary>The plug's LWT topic changed (<c>&lt;c&gt;/connected</c> online/offline).</summary>
public sealed record DeviceAvailabilityChanged(DateTimeOffset At, string DeviceId, bool Online) : HubEvent(At)
{
    public override string Kind => "device-availability";
}

public sealed record ChannelChanged(DateTimeOffset At, string DeviceId, int Channel, int Value) : HubEvent(At)
{
    public override string Kind => "channel";
}

/// <summary>A power-meter or diagnostic reading (voltage, current, power, energy, rssi, uptime...).</summary>
public sealed record ReadingChanged(DateTimeOffset At, string DeviceId, string Quantity, double Value) : HubEvent(At)
{
    public override string Kind => "reading";
}

public sealed record DeviceForgotten(DateTimeOffset At, string DeviceId) : HubEvent(At)
{
    public override string Kind => "device-forgotten";
}

public sealed record BridgeConnectionChanged(DateTimeOffset At, bool Connected, string? Reason) : HubEvent(At)
{
    public override string Kind => "bridge-connection";
}

/// <summary>OpenBeken's own per-entity discovery was found for a device (and possibly migrated).</summary>
public sealed record LegacyDiscoveryFound(DateTimeOffset At, string ClientTopic, int Entities, bool Migrated) : HubEvent(At)
{
    public override string Kind => "legacy-discovery";
}
