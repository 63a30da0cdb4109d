using OpenBekenHub.Mqtt.Devices;

namespace OpenBekenHub.Mqtt.Events;

/// <summary>Something the pages (SSE) and other parts of the hub care about. <see cref="Kind"/> names it on the wire.</summary>
public abstract record HubEvent(DateTimeOffset At)
{
    public abstract string Kind { get; }

    /// <summary>Signals between the state store and extensions; never sent to browsers.</summary>
    public virtual bool Internal => false;
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

/// <summary>
/// What the hub knows about a plug's presence changed: from its LWT/birth (<c>&lt;c&gt;/connected</c>) and its own live
/// traffic only. <see cref="Availability.Unknown"/> while the broker is down or the plug was not heard since (re)connecting.
/// </summary>
public sealed record DeviceAvailabilityChanged(DateTimeOffset At, string DeviceId, Availability Availability) : HubEvent(At)
{
    public override string Kind => "device-availability";

    public bool Online => Availability == Availability.Online;
}

/// <summary>A client topic was seen whose MAC is unknown: the identity extension asks it (<c>cmnd/&lt;c&gt;/STATUS 5</c>).</summary>
public sealed record IdentityNeeded(DateTimeOffset At, string ClientTopic) : HubEvent(At)
{
    public override string Kind => "identity-needed";

    public override bool Internal => true;
}

/// <summary>A <c>stat/&lt;c&gt;/&lt;kind&gt;</c> reply from an adopted plug; the command service waits on these.</summary>
public sealed record StatReplyReceived(DateTimeOffset At, string DeviceId, string ClientTopic, string StatKind, string Payload) : HubEvent(At)
{
    public override string Kind => "stat-reply";

    public override bool Internal => true;
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
