namespace OpenBekenHub.Mqtt.Parsing;

/// <summary>
/// One fact a plug stated in one message, typed. The parser produces these from topic + payload; the
/// <see cref="State.DeviceStateStore"/> applies them. <see cref="ClientTopic"/> is the topic owner (the plug's <c>&lt;c&gt;</c>).
/// </summary>
public abstract record ObkObservation(string ClientTopic);

/// <summary><c>&lt;c&gt;/connected</c>: the plug's birth (<c>online</c>) or its last will (<c>offline</c>).</summary>
public sealed record ConnectedChanged(string ClientTopic, bool Online) : ObkObservation(ClientTopic);

/// <summary>The plug's MAC (from <c>&lt;c&gt;/mac</c> or <c>STATUS 5</c>), with the IP when the same reply carried one.</summary>
public sealed record IdentityReported(string ClientTopic, string Mac, string? Ip) : ObkObservation(ClientTopic);

/// <summary><c>&lt;c&gt;/ip</c>: already checked to be a private IPv4 or loopback address.</summary>
public sealed record IpReported(string ClientTopic, string Ip) : ObkObservation(ClientTopic);

/// <summary><c>&lt;c&gt;/build</c> or <c>STATUS 2</c>: the firmware build string, chip and version.</summary>
public sealed record BuildReported(string ClientTopic, string Build, string? Chip, string Version) : ObkObservation(ClientTopic);

/// <summary><c>&lt;c&gt;/host</c>: the plug's short name.</summary>
public sealed record HostReported(string ClientTopic, string ShortName) : ObkObservation(ClientTopic);

/// <summary><c>&lt;c&gt;/&lt;ch&gt;/get</c> with a value: the plug's own channel state.</summary>
public sealed record ChannelReported(string ClientTopic, int Channel, int Value) : ObkObservation(ClientTopic);

/// <summary><c>stat/&lt;c&gt;/RESULT</c> <c>{"POWERn":"ON"}</c>: a relay state by Tasmota's relay index (the store maps it to a channel).</summary>
public sealed record PowerReported(string ClientTopic, int? RelayIndex, bool On) : ObkObservation(ClientTopic);

/// <summary>A power-meter value (<c>&lt;c&gt;/voltage/get</c>, ...).</summary>
public sealed record MeterReported(string ClientTopic, string Quantity, double Value) : ObkObservation(ClientTopic);

/// <summary>A diagnostic value (<c>&lt;c&gt;/rssi</c>, <c>&lt;c&gt;/uptime</c>).</summary>
public sealed record DiagnosticReported(string ClientTopic, string Quantity, double Value) : ObkObservation(ClientTopic);

/// <summary>Any <c>stat/&lt;c&gt;/&lt;kind&gt;</c> reply, raw, for the command service (which waits on it).</summary>
public sealed record StatReplied(string ClientTopic, string Kind, string Payload) : ObkObservation(ClientTopic);

/// <summary>What one message said: its owner, whether the broker delivered it as retained, the facts, or why it was refused.</summary>
public sealed record ObkMessage(string ClientTopic, bool Retained, IReadOnlyList<ObkObservation> Observations, string? Rejection = null)
{
    public bool Rejected => Rejection is not null;
}
