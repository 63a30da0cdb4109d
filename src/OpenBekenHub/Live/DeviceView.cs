using OpenBekenHub.Mqtt.Devices;

namespace OpenBekenHub.Api;

/// <summary>One channel of a device: number, role and the value the plug last reported (null = unknown).</summary>
public sealed record ChannelDto(int Channel, string Role, int? Value);

/// <summary>An identity claim waiting for the user: the device's MAC seen on another topic (move), or another MAC on its topic.</summary>
public sealed record ConflictDto(string ReportedTopic, string ReportedMac, DateTimeOffset At, bool IsMove);

/// <summary>
/// The one projection of a device, shared by REST (<c>/api/devices</c>), the live feed (<c>/api/devices/events</c>)
/// and the pages. <see cref="Availability"/> is <c>online</c>, <c>offline</c> or <c>unknown</c> (broker down, or the
/// plug not heard since the hub reconnected); channel values are null until the plug reports them.
/// </summary>
public sealed record DeviceDto(
    string Id,
    string Name,
    string ClientTopic,
    string? Mac,
    string? Ip,
    string? Build,
    string? Version,
    string? Chip,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    string? FriendlyName,
    string? Area,
    string Availability,
    bool Online,
    bool HasPowerMeter,
    IReadOnlyList<ChannelDto> Channels,
    IReadOnlyDictionary<string, double> Readings,
    int? Rssi,
    long? UptimeSeconds,
    ConflictDto? Conflict)
{
    public static DeviceDto From(DeviceSnapshot d)
    {
        ArgumentNullException.ThrowIfNull(d);
        var r = d.Record;
        var channels = r.Channels.Select(c => new ChannelDto(c.Channel, c.Role.ToString().ToLowerInvariant(), d.Channels.TryGetValue(c.Channel, out var v) ? v : null)).ToList();
        var conflict = d.Conflict is { } c ? new ConflictDto(c.ReportedTopic, c.ReportedMac, c.At, c.IsMove) : null;
        return new DeviceDto(r.Id, r.DisplayName, r.ClientTopic, r.Mac, r.Ip, r.Build, r.Version, r.Chip, r.FirstSeen, r.LastSeen, r.FriendlyName, r.Area,
            AvailabilityText(d.Availability), d.Online, r.HasPowerMeter, channels, d.Readings, d.Rssi, d.UptimeSeconds, conflict);
    }

    public static string AvailabilityText(Availability a) => a switch
    {
        Mqtt.Devices.Availability.Online => "online",
        Mqtt.Devices.Availability.Offline => "offline",
        _ => "unknown",
    };

    [System.Text.Json.Serialization.JsonIgnore]
    public IEnumerable<ChannelDto> Relays => Channels.Where(c => c.Role == "relay");

    /// <summary>How a relay reads on a page: ON, OFF or unknown.</summary>
    public static string RelayText(int? value) => value switch
    {
        null => "unknown",
        0 => "OFF",
        _ => "ON",
    };
}

/// <summary>A device the user forgot: it stays out until the plug connects again or it is adopted from this list.</summary>
public sealed record ForgottenDeviceDto(string Id, string Name, string ClientTopic, string? Mac, DateTimeOffset? ForgottenAt, DateTimeOffset LastSeen)
{
    public static ForgottenDeviceDto From(DeviceRecord r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new(r.Id, r.DisplayName, r.ClientTopic, r.Mac, r.ForgottenAt, r.LastSeen);
    }
}

/// <summary><c>GET /api/bridge</c>: whether the hub hears its broker, and the device counts by availability.</summary>
public sealed record BridgeStatusDto(bool BrokerConnected, int Devices, int Online, int Offline, int Unknown, int Pending, int Forgotten);
