namespace OpenBekenHub.Mqtt.Devices;

/// <summary>The topic vocabulary of OpenBeken firmware (openbeken.md §1.2-1.6), in one place.</summary>
public static class ObkTopics
{
    /// <summary>Topics the bridge subscribes to (QoS 0, see BrokerConnection.SubscribeAsync). Deliberately not <c>#</c>: only what OpenBeken publishes.</summary>
    public static IReadOnlyList<string> BridgeSubscriptions { get; } =
    [
        "+/connected", "+/+/get", "+/host", "+/build", "+/mac", "+/ip", "+/rssi", "+/uptime",
        "stat/+/RESULT", "stat/+/STATUS", "stat/+/STATUS2", "stat/+/STATUS5",
    ];

    /// <summary>Power-meter quantities published on <c>&lt;c&gt;/&lt;name&gt;/get</c>.</summary>
    public static IReadOnlySet<string> MeterQuantities { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "voltage", "current", "power", "power_apparent", "power_reactive", "power_factor", "138",
        "energycounter", "energycounter_last_hour", "energycounter_today", "energycounter_yesterday",
        "energycounter_2_days_ago", "energycounter_3_days_ago",
    };

    public static string Connected(string clientTopic) => $"{clientTopic}/connected";

    public static string ChannelGet(string clientTopic, int channel) => $"{clientTopic}/{channel}/get";

    public static string ChannelSet(string clientTopic, int channel) => $"{clientTopic}/{channel}/set";

    public static string Command(string clientTopic, string command) => $"cmnd/{clientTopic}/{command}";

    public static string Reading(string clientTopic, string quantity) => quantity switch
    {
        "rssi" or "uptime" or "ip" or "build" or "host" or "mac" => $"{clientTopic}/{quantity}",
        _ => $"{clientTopic}/{quantity}/get",
    };

    /// <summary>OpenBeken announces itself (flag 27) under this prefix unless told otherwise from its web page.</summary>
    public const string FirmwareDiscoveryPrefix = "homeassistant";

    /// <summary>
    /// A topic controllers (the hub, HA) publish on and the plug subscribes to: <c>cmnd/&lt;c&gt;/&lt;command&gt;</c> or
    /// <c>&lt;c&gt;/&lt;ch&gt;/set</c>. Every other topic under a plug's name (<c>&lt;c&gt;/...</c>, <c>stat/&lt;c&gt;/...</c>,
    /// <c>tele/&lt;c&gt;/...</c>) is the plug's own.
    /// </summary>
    public static bool IsControllerTopic(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        var parts = topic.Split('/');
        if (parts.Length != 3 || parts.Any(p => p.Length == 0 || p.IndexOfAny(['+', '#']) >= 0))
        {
            return false;
        }
        return parts[0] == "cmnd" || (parts[2] == "set" && int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ch) && ch <= 64);
    }

    /// <summary>A client topic may be used as an MQTT topic level: non-empty, no wildcards or separators.</summary>
    public static bool IsValidClientTopic(string? topic) =>
        !string.IsNullOrEmpty(topic) && topic.Length <= 64 && topic.IndexOfAny(['/', '+', '#', '\0']) < 0;
}
