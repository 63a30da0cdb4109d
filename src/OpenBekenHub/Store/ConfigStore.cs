using System.Globalization;
using OpenBekenHub.Configs;

namespace OpenBekenHub.Store;

/// <summary>A stored configuration version of one plug.</summary>
public sealed record ConfigVersion(string DeviceId, int Version, string ContentSha256, string Source, DateTimeOffset Created, ConfigSnapshot Snapshot);

/// <summary>The last backup attempt of one plug: <c>created</c>, <c>unchanged</c> or <c>failed</c> (with why).</summary>
public sealed record ConfigCheck(string DeviceId, DateTimeOffset Checked, string Outcome, string? Detail);

public sealed record ConfigRun(long Id, string Trigger, DateTimeOffset Started, DateTimeOffset Finished, int Created, int Unchanged, int Failed);

/// <summary>
/// A replacement plug whose Home Assistant entities keep the unique ids of the plug it replaced: the first plug's id
/// (<see cref="UniqueIdBase"/>) and its unique ids from OpenBeken's own discovery (<see cref="LegacyUniqueIds"/>).
/// </summary>
public sealed record UniqueIdAlias(string DeviceId, string UniqueIdBase, string ReplacedDeviceId, DateTimeOffset Created)
{
    public IReadOnlyDictionary<string, string> LegacyUniqueIds { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// Configuration versions per plug (a new one only when the content hash differs from the newest), the last check per
/// plug, backup runs, and unique-id aliases.
/// </summary>
public sealed class ConfigStore(HubStore store)
{
    /// <summary>Adds <paramref name="snapshot"/> unless the newest version has the same content; returns (version, created).</summary>
    public Task<(int Version, bool Created)> AddIfChangedAsync(string deviceId, ConfigSnapshot snapshot, string source, CancellationToken ct = default) =>
        store.InTransactionAsync(async (c, tx) =>
        {
            ArgumentNullException.ThrowIfNull(snapshot);
            var hash = snapshot.ContentHash();
            using (var last = c.Command("SELECT version, content_sha256 FROM config_versions WHERE device_id = $d ORDER BY version DESC LIMIT 1;", tx, ("$d", deviceId)))
            await using (var r = await last.ExecuteReaderAsync(ct))
            {
                if (await r.ReadAsync(ct) && r.GetString(1) == hash)
                {
                    return (r.GetInt32(0), false);
                }
            }
            using var next = c.Command("SELECT COALESCE(MAX(version), 0) + 1 FROM config_versions WHERE device_id = $d;", tx, ("$d", deviceId));
            var version = Convert.ToInt32(await next.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
            using var insert = c.Command(
                "INSERT INTO config_versions(device_id, version, content_sha256, json, source, created_utc) VALUES ($d, $v, $h, $j, $s, $t);", tx,
                ("$d", deviceId), ("$v", version), ("$h", hash), ("$j", snapshot.ToJson()), ("$s", source), ("$t", HubStore.Now()));
            await insert.ExecuteNonQueryAsync(ct);
            return (version, true);
        }, ct);

    public async Task<IReadOnlyList<ConfigVersion>> ListAsync(string deviceId, CancellationToken ct = default)
    {
        await using var c = await store.OpenAsync(ct);
        using var cmd = c.Command("SELECT device_id, version, content_sha256, source, created_utc, json FROM config_versions WHERE device_id = $d ORDER BY version DESC;", null, ("$d", deviceId));
        return await ReadVersionsAsync(cmd, ct);
    }

    public async Task<IReadOnlyList<ConfigVersion>> ListAllAsync(CancellationToken ct = default)
    {
        await using var c = await store.OpenAsync(ct);
        using var cmd = c.Command("SELECT device_id, version, content_sha256, source, created_utc, json FROM config_versions ORDER BY device_id, version;");
        return await ReadVersionsAsync(cmd, ct);
    }

    public async Task<ConfigVersion?> GetAsync(string deviceId, int version, CancellationToken ct = default)
    {
        await using var c = await store.OpenAsync(ct);
        using var cmd = c.Command("SELECT device_id, version, content_sha256, source, created_utc, json FROM config_versions WHERE device_id = $d AND version = $v;", null,
            ("$d", deviceId), ("$v", version));
        var found = await ReadVersionsAsync(cmd, ct);
        return found.Count > 0 ? found[0] : null;
    }

    /// <summary>Newest version number per device.</summary>
    public async Task<IReadOnlyDictionary<string, int>> LatestVersionsAsync(CancellationToken ct = default)
    {
        await using var c = await store.OpenAsync(ct);
        using var cmd = c.Command("SELECT device_id, MAX(version) FROM config_versions GROUP BY device_id;");
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        while (await r.ReadAsync(ct))
        {
            map[r.GetString(0)] = r.GetInt32(1);
        }
        return map;
    }

    public async Task RecordCheckAsync(ConfigCheck check, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(check);
        await using var c = await store.OpenAsync(ct);
        using var cmd = c.Command(
            """
            INSERT INTO config_checks(device_id, checked_utc, outcome, detail) VALUES ($d, $t, $o, $x)
            ON CONFLICT(device_id) DO UPDATE SET checked_utc = excluded.checked_utc, outcome = excluded.outcome, detail = excluded.detail;
            """, null,
            ("$d", check.DeviceId), ("$t", Iso(check.Checked)), ("$o", check.Outcome), ("$x", check.Detail));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<IReadOnlyDictionary<string, ConfigCheck>> ChecksAsync(CancellationToken ct = default)
    {
        await using var c = await store.OpenAsync(ct);
        using var cmd = c.Command("SELECT device_id, checked_utc, outcome, detail FROM config_checks;");
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var map = new Dictionary<string, ConfigCheck>(StringComparer.Ordinal);
        while (await r.ReadAsync(ct))
        {
            map[r.GetString(0)] = new ConfigCheck(r.GetString(0), Parse(r.GetString(1)), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3));
        }
        return map;
    }

    public async Task AddRunAsync(ConfigRun run, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        await using var c = await store.OpenAsync(ct);
        using var cmd = c.Command(
            "INSERT INTO config_runs(trigger, started_utc, finished_utc, created, unchanged, failed) VALUES ($t, $s, $f, $c, $u, $x);", null,
            ("$t", run.Trigger), ("$s", Iso(run.Started)), ("$f", Iso(run.Finished)), ("$c", run.Created), ("$u", run.Unchanged), ("$x", run.Failed));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<ConfigRun?> LastRunAsync(string? trigger = null, CancellationToken ct = default)
    {
        await using var c = await store.OpenAsync(ct);
        using var cmd = c.Command(
            "SELECT id, trigger, started_utc, finished_utc, created, unchanged, failed FROM config_runs WHERE $t IS NULL OR trigger = $t ORDER BY id DESC LIMIT 1;", null,
            ("$t", trigger));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct)
            ? new ConfigRun(r.GetInt64(0), r.GetString(1), Parse(r.GetString(2)), Parse(r.GetString(3)), r.GetInt32(4), r.GetInt32(5), r.GetInt32(6))
            : null;
    }

    public async Task SetAliasAsync(UniqueIdAlias alias, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(alias);
        await using var c = await store.OpenAsync(ct);
        using var cmd = c.Command(
            """
            INSERT INTO unique_id_aliases(device_id, unique_id_base, replaced_device_id, created_utc, legacy_unique_ids) VALUES ($d, $b, $r, $t, $l)
            ON CONFLICT(device_id) DO UPDATE SET unique_id_base = excluded.unique_id_base, replaced_device_id = excluded.replaced_device_id,
                created_utc = excluded.created_utc, legacy_unique_ids = excluded.legacy_unique_ids;
            """, null,
            ("$d", alias.DeviceId), ("$b", alias.UniqueIdBase), ("$r", alias.ReplacedDeviceId), ("$t", Iso(alias.Created)),
            ("$l", System.Text.Json.JsonSerializer.Serialize(alias.LegacyUniqueIds)));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<IReadOnlyList<UniqueIdAlias>> AliasesAsync(CancellationToken ct = default)
    {
        await using var c = await store.OpenAsync(ct);
        using var cmd = c.Command("SELECT device_id, unique_id_base, replaced_device_id, created_utc, legacy_unique_ids FROM unique_id_aliases ORDER BY device_id;");
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<UniqueIdAlias>();
        while (await r.ReadAsync(ct))
        {
            var legacy = r.IsDBNull(4) ? null : System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(4));
            list.Add(new UniqueIdAlias(r.GetString(0), r.GetString(1), r.GetString(2), Parse(r.GetString(3))) { LegacyUniqueIds = legacy ?? [] });
        }
        return list;
    }

    private static async Task<IReadOnlyList<ConfigVersion>> ReadVersionsAsync(Microsoft.Data.Sqlite.SqliteCommand cmd, CancellationToken ct)
    {
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<ConfigVersion>();
        while (await r.ReadAsync(ct))
        {
            list.Add(new ConfigVersion(r.GetString(0), r.GetInt32(1), r.GetString(2), r.GetString(3), Parse(r.GetString(4)), ConfigSnapshot.FromJson(r.GetString(5))));
        }
        return list;
    }

    private static string Iso(DateTimeOffset t) => t.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string s) => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture);
}
