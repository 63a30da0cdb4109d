using OpenBekenHub.Mqtt.Options;
using OpenBekenHub.Mqtt.State;
using Microsoft.Extensions.Options;
using OpenBekenHub.Mqtt.Commands;
using OpenBekenHub.Mqtt.Devices;

namespace OpenBekenHub.Configs;

/// <summary>A plug as configuration backup needs it: identity, address, and the hub-side name and area.</summary>
public sealed record ConfigDevice(string Id, string Name, string? Mac, string? Ip, string? Chip, bool Online, string? FriendlyName, string? Area)
{
    /// <summary>Its unique ids from OpenBeken's own discovery (kept by a replacement, see <see cref="UniqueIdAliasTable"/>).</summary>
    public IReadOnlyDictionary<string, string> LegacyUniqueIds { get; init; } = new Dictionary<string, string>();
}

/// <summary>How the hub reaches a plug's web server: port and web password (Basic auth as <c>admin</c>).</summary>
public sealed record PlugHttpAccess(int Port, string? WebPassword);

/// <summary>
/// The only door from configuration backup to the bridge's device state, so the bridge can be rebuilt and this
/// re-pointed in one place.
/// </summary>
public interface IConfigDevices
{
    IReadOnlyList<ConfigDevice> List();

    ConfigDevice? Find(string id);

    PlugHttpAccess HttpAccess { get; }

    /// <summary>Gives <paramref name="toId"/> the hub-side name and area of <paramref name="fromId"/> (a replacement plug).</summary>
    Task CopyLabelAsync(string fromId, string toId, CancellationToken ct);
}

/// <summary><see cref="IConfigDevices"/> over today's <see cref="DeviceStateStore"/> and the bridge's HTTP settings.</summary>
internal sealed class RegistryConfigDevices(DeviceStateStore registry, IOptions<BridgeOptions> bridge) : IConfigDevices
{
    public IReadOnlyList<ConfigDevice> List() => [.. registry.List().Select(ToDevice).OrderBy(d => d.Name, StringComparer.OrdinalIgnoreCase)];

    public ConfigDevice? Find(string id) => registry.Find(id) is { } d ? ToDevice(d) : null;

    public PlugHttpAccess HttpAccess => new(bridge.Value.DeviceHttpPort, bridge.Value.DeviceWebPassword);

    public async Task CopyLabelAsync(string fromId, string toId, CancellationToken ct)
    {
        if (registry.Find(fromId)?.Record is { } from)
        {
            await registry.UpdateAsync(toId, from.FriendlyName ?? "", from.Area ?? "", ct);
        }
    }

    private static ConfigDevice ToDevice(DeviceSnapshot d) =>
        new(d.Id, d.Record.DisplayName, d.Record.Mac, d.Record.Ip, d.Record.Chip, d.Online, d.Record.FriendlyName, d.Record.Area)
        {
            LegacyUniqueIds = d.Record.LegacyUniqueIds,
        };
}
