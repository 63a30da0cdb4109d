namespace OpenBekenHub.Mqtt.Devices;

/// <summary>Whether a plug is connected, as far as the plug itself has told the hub.</summary>
public enum Availability
{
    /// <summary>Not known: the broker is down, or the plug was not heard since the hub (re)connected.</summary>
    Unknown,
    Online,
    Offline,
}

/// <summary>
/// Identity was claimed from somewhere it does not belong: the device's MAC reported under another client topic
/// (<see cref="ReportedTopic"/>), or another MAC reported on this device's topic. The device does not move until the
/// user approves (<c>POST /api/devices/{id}/approve-move</c>).
/// </summary>
public sealed record IdentityConflict(string ReportedTopic, string ReportedMac, DateTimeOffset At)
{
    /// <summary>True when the device's own MAC showed up on another topic (approving moves the device there).</summary>
    public bool IsMove { get; init; } = true;
}

/// <summary>One device as the API and pages see it: stored facts plus live state. Channels hold only values the plug reported.</summary>
public sealed record DeviceSnapshot(
    DeviceRecord Record,
    Availability Availability,
    IReadOnlyDictionary<int, int> Channels,
    IReadOnlyDictionary<string, double> Readings,
    int? Rssi,
    long? UptimeSeconds)
{
    public string Id => Record.Id;

    public string ClientTopic => Record.ClientTopic;

    public bool Online => Availability == Availability.Online;

    public IdentityConflict? Conflict { get; init; }
}
