using System.Globalization;
using System.Text.Json;
using OpenBekenHub.Mqtt.Devices;

namespace OpenBekenHub.Store;

/// <summary>The bridge's device records in SQLite: indexed columns for queries, the whole record as JSON.</summary>
public sealed class SqliteDeviceStore(HubStore store) : IDeviceStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<IReadOnlyList<DeviceRecord>> LoadAllAsync(CancellationToken ct)
    {
        await using var c = await store.OpenAsync(ct);
        using var cmd = c.Command(
            "SELECT id, client_topic, mac, ip, build, chip, first_seen_utc, last_seen_utc, friendly_name, area, record_json FROM devices;");
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<DeviceRecord>();
        while (await r.ReadAsync(ct))
        {
            var fromJson = r.IsDBNull(10) ? null : JsonSerializer.Deserialize<DeviceRecord>(r.GetString(10), Json);
            // columns win: they are what an older schema or a manual fix holds
            var record = new DeviceRecord(
                r.GetString(0), r.GetString(1), Str(r, 2), Str(r, 3), Str(r, 4), Str(r, 5),
                DateTimeOffset.Parse(r.GetString(6), CultureInfo.InvariantCulture), DateTimeOffset.Parse(r.GetString(7), CultureInfo.InvariantCulture),
                Str(r, 8), Str(r, 9));
            list.Add(fromJson is null ? record : record with
            {
                Channels = fromJson.Channels,
                HasPowerMeter = fromJson.HasPowerMeter,
                ShortName = fromJson.ShortName,
                LegacyUniqueIds = fromJson.LegacyUniqueIds,
                ForgottenAt = fromJson.ForgottenAt, // a forgotten device stays forgotten across restarts
            });
        }
        return list;
    }

    public async Task UpsertAsync(DeviceRecord device, CancellationToken ct)
    {
        await using var c = await store.OpenAsync(ct);
        using var cmd = c.Command(
            """
            INSERT INTO devices(id, client_topic, mac, ip, build, chip, friendly_name, area, channels_json, first_seen_utc, last_seen_utc, record_json, short_name)
            VALUES ($id, $topic, $mac, $ip, $build, $chip, $name, $area, $channels, $first, $last, $json, $short)
            ON CONFLICT(id) DO UPDATE SET client_topic = excluded.client_topic, mac = excluded.mac, ip = excluded.ip, build = excluded.build,
                chip = excluded.chip, friendly_name = excluded.friendly_name, area = excluded.area, channels_json = excluded.channels_json,
                last_seen_utc = excluded.last_seen_utc, record_json = excluded.record_json, short_name = excluded.short_name;
            """, null,
            ("$id", device.Id), ("$topic", device.ClientTopic), ("$mac", device.Mac), ("$ip", device.Ip), ("$build", device.Build),
            ("$chip", device.Chip), ("$name", device.FriendlyName), ("$area", device.Area),
            ("$channels", JsonSerializer.Serialize(device.Channels, Json)),
            ("$first", device.FirstSeen.ToString("O", CultureInfo.InvariantCulture)), ("$last", device.LastSeen.ToString("O", CultureInfo.InvariantCulture)),
            ("$json", JsonSerializer.Serialize(device, Json)), ("$short", device.ShortName));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task DeleteAsync(string deviceId, CancellationToken ct)
    {
        await using var c = await store.OpenAsync(ct);
        using var cmd = c.Command("DELETE FROM devices WHERE id = $id;", null, ("$id", deviceId));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static string? Str(Microsoft.Data.Sqlite.SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}
