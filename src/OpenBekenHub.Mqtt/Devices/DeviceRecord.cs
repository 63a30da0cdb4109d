using System.Globalization;

namespace OpenBekenHub.Mqtt.Devices;

/// <summary>What a channel drives, as far as the hub knows (from pins at provisioning, OBK's discovery, or traffic).</summary>
public enum ChannelRole
{
    Relay,
    Input,
    Dimmer,
}

public sealed record ChannelInfo(int Channel, ChannelRole Role);

/// <summary>
/// The stored facts about one OpenBeken device (the host persists these; see <see cref="IDeviceStore"/>).
/// <see cref="Id"/> comes from the MAC (<c>obk_&lt;12 hex&gt;</c>) and never changes, so renaming keeps HA's unique ids.
/// <see cref="LegacyUniqueIds"/> maps a component key (e.g. <c>relay_1</c>) to the unique id OpenBeken's own discovery used,
/// kept after a migration so HA keeps the entity history.
/// </summary>
public sealed record DeviceRecord(
    string Id,
    string ClientTopic,
    string? Mac,
    string? Ip,
    string? Build,
    string? Chip,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    string? FriendlyName,
    string? Area)
{
    public IReadOnlyList<ChannelInfo> Channels { get; init; } = [];

    public bool HasPowerMeter { get; init; }

    /// <summary>The plug's short name (<c>&lt;c&gt;/host</c>), shown when no friendly name is set.</summary>
    public string? ShortName { get; init; }

    public IReadOnlyDictionary<string, string> LegacyUniqueIds { get; init; } = new Dictionary<string, string>();

    /// <summary>Set when the user forgot the device: kept for the "seen but forgotten" list, ignored until it connects again.</summary>
    public DateTimeOffset? ForgottenAt { get; init; }

    /// <summary>Firmware version parsed from <see cref="Build"/> (<c>OpenBK7231N 1.18.230 ...</c> → <c>1.18.230</c>).</summary>
    public string? Version => ParseBuild(Build).Version;

    public string DisplayName => !string.IsNullOrWhiteSpace(FriendlyName) ? FriendlyName : ShortName ?? ClientTopic;

    /// <summary><c>obk_</c> + the MAC's 12 lower-case hex digits.</summary>
    public static string IdFromMac(string mac)
    {
        var hex = NormalizeMac(mac) ?? throw new ArgumentException($"Not a MAC address: '{mac}'", nameof(mac));
        return "obk_" + hex.Replace(":", "", StringComparison.Ordinal);
    }

    /// <summary>Returns <c>aa:bb:cc:dd:ee:ff</c> or null when <paramref name="text"/> is not a MAC.</summary>
    public static string? NormalizeMac(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var hex = new string(text.Trim().Where(c => c is not (':' or '-' or '.')).ToArray());
        if (hex.Length != 12 || !hex.All(char.IsAsciiHexDigit))
        {
            return null;
        }
        hex = hex.ToLowerInvariant();
        return string.Join(':', Enumerable.Range(0, 6).Select(i => hex.Substring(i * 2, 2)));
    }

    /// <summary>Splits the firmware's build string (<c>OpenBK7231N 1.18.230 Jan 17 2026 12:00:00</c>) or STATUS2 version (<c>OpenBK7231N_1.18.230</c>).</summary>
    public static (string? Chip, string? Version) ParseBuild(string? build)
    {
        if (string.IsNullOrWhiteSpace(build))
        {
            return (null, null);
        }
        var first = build.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string head;
        string? version;
        if (first.Length >= 2)
        {
            head = first[0];
            version = first[1];
        }
        else
        {
            var underscore = first[0].IndexOf('_', StringComparison.Ordinal);
            head = underscore < 0 ? first[0] : first[0][..underscore];
            version = underscore < 0 ? null : first[0][(underscore + 1)..];
        }
        var chip = head.StartsWith("Open", StringComparison.Ordinal) ? head[4..] : null;
        if (version is not null && !version.Split('.').All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            version = null;
        }
        return (string.IsNullOrEmpty(chip) ? null : chip, version);
    }
}

/// <summary>Persistence of <see cref="DeviceRecord"/>s; the host implements it with SQLite.</summary>
public interface IDeviceStore
{
    Task<IReadOnlyList<DeviceRecord>> LoadAllAsync(CancellationToken ct);

    Task UpsertAsync(DeviceRecord device, CancellationToken ct);

    Task DeleteAsync(string deviceId, CancellationToken ct);
}

/// <summary>A store that keeps records in memory (tests, and the fallback when no store is registered).</summary>
public sealed class InMemoryDeviceStore : IDeviceStore
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DeviceRecord> _records = new(StringComparer.Ordinal);

    public int Count => _records.Count;

    public DeviceRecord? Find(string id) => _records.GetValueOrDefault(id);

    public Task<IReadOnlyList<DeviceRecord>> LoadAllAsync(CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<DeviceRecord>>(_records.Values.OrderBy(r => r.Id, StringComparer.Ordinal).ToList());

    public Task UpsertAsync(DeviceRecord device, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(device);
        _records[device.Id] = device;
        return Task.CompletedTask;
    }

    public Task DeleteAsync(string deviceId, CancellationToken ct)
    {
        _records.TryRemove(deviceId, out _);
        return Task.CompletedTask;
    }
}
