namespace OpenBekenHub.Mqtt.Devices;

/// <summary>One device as the API and pages see it: stored facts plus live state.</summary>
public sealed record DeviceSnapshot(
    DeviceRecord Record,
    bool Online,
    IReadOnlyDictionary<int, int> Channels,
    IReadOnlyDictionary<string, double> Readings,
    int? Rssi,
    long? UptimeSeconds)
{
    public string Id => Record.Id;

    public string ClientTopic => Record.ClientTopic;
}
