namespace OpenBekenHub.Devices;

using OpenBekenHub.Mqtt;

/// <summary>
/// The plug's log lines. OpenBeken serves its log memory (4 KiB) over HTTP at <c>GET /lograw</c>, returning what
/// was logged since the previous HTTP read; it has no log topic on MQTT. So the hub keeps the last
/// <see cref="MaxLines"/> lines per device it has read, and each read appends the new ones.
/// </summary>
public sealed class DeviceLogService(OpenBekenBridge bridge, PlugHttp http)
{
    public const int MaxLines = 200;
    public const int MaxLineLength = 300;
    public const int MaxDevices = 256;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedList<string>> _lines = new(StringComparer.Ordinal);

    /// <summary>Fetches new lines from the plug; returns all kept lines (oldest first) and the fetch error, if any.</summary>
    public async Task<(IReadOnlyList<string> Lines, string? Error)?> ReadAsync(string deviceId, CancellationToken ct)
    {
        if (bridge.Registry.Find(deviceId) is not { } device)
        {
            return null;
        }
        var (body, error) = await http.GetAsync(device, "/lograw", ct);
        lock (_gate)
        {
            if (!_lines.TryGetValue(deviceId, out var kept))
            {
                if (_lines.Count >= MaxDevices)
                {
                    _lines.Remove(_lines.Keys.First());
                }
                kept = new LinkedList<string>();
                _lines[deviceId] = kept;
            }
            foreach (var raw in (body ?? "").Split('\n'))
            {
                var line = new string([.. raw.TrimEnd('\r').Where(c => !char.IsControl(c))]);
                if (line.Length == 0)
                {
                    continue;
                }
                kept.AddLast(line.Length > MaxLineLength ? line[..MaxLineLength] + "…" : line);
                if (kept.Count > MaxLines)
                {
                    kept.RemoveFirst();
                }
            }
            return ([.. kept], error);
        }
    }
}
