using System.Globalization;
using OpenBekenHub.Store;

namespace OpenBekenHub.Ota;

/// <summary>Rollouts and per-plug results in SQLite (migration 5), written on every change so a restart resumes.</summary>
public sealed class RolloutStore(HubStore store)
{
    public const int MaxListed = 100;

    public async Task CreateAsync(string id, string firmwareId, RolloutPlan plan, CancellationToken ct)
    {
        await store.InTransactionAsync(async (c, tx) =>
        {
            var now = HubStore.Now();
            using (var cmd = c.Command("INSERT INTO rollouts(id, firmware_id, state, settings_json, created_utc, updated_utc) VALUES ($id, $f, $s, $j, $t, $t);", tx,
                ("$id", id), ("$f", firmwareId), ("$s", RolloutState.Running), ("$j", plan.Settings.ToJson()), ("$t", now)))
            {
                await cmd.ExecuteNonQueryAsync(ct);
            }
            var position = 0;
            foreach (var p in plan.Plugs)
            {
                using var cmd = c.Command(
                    "INSERT INTO rollout_devices(rollout_id, device_id, name, wave, position, result, reason, from_version, to_version, updated_utc) VALUES ($r, $d, $n, $w, $p, $res, $why, $from, $to, $t);", tx,
                    ("$r", id), ("$d", p.Id), ("$n", p.Name), ("$w", p.Wave), ("$p", position++), ("$res", p.Result), ("$why", p.Reason), ("$from", p.FromVersion), ("$to", p.ToVersion), ("$t", now));
                await cmd.ExecuteNonQueryAsync(ct);
            }
        }, ct);
    }

    public async Task SetStateAsync(string id, string state, string? note, CancellationToken ct)
    {
        await using var c = await store.OpenAsync(ct);
        using var cmd = c.Command("UPDATE rollouts SET state = $s, note = COALESCE($n, note), updated_utc = $t WHERE id = $id;", null,
            ("$id", id), ("$s", state), ("$n", note), ("$t", HubStore.Now()));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task SetPlugAsync(string rolloutId, RolloutPlug plug, CancellationToken ct)
    {
        await using var c = await store.OpenAsync(ct);
        using var cmd = c.Command("UPDATE rollout_devices SET result = $res, reason = $why, to_version = $to, updated_utc = $t WHERE rollout_id = $r AND device_id = $d;", null,
            ("$r", rolloutId), ("$d", plug.Id), ("$res", plug.Result), ("$why", plug.Reason), ("$to", plug.ToVersion), ("$t", HubStore.Now()));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Keeps (or, with null, drops) a plug's LittleFS backup; held until the restore is confirmed.</summary>
    public async Task SetLfsBackupAsync(string rolloutId, string deviceId, byte[]? block, CancellationToken ct)
    {
        await using var c = await store.OpenAsync(ct);
        using var cmd = c.Command("UPDATE rollout_devices SET lfs_backup = $b WHERE rollout_id = $r AND device_id = $d;", null,
            ("$r", rolloutId), ("$d", deviceId), ("$b", block));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<byte[]?> GetLfsBackupAsync(string rolloutId, string deviceId, CancellationToken ct)
    {
        await using var c = await store.OpenAsync(ct);
        using var cmd = c.Command("SELECT lfs_backup FROM rollout_devices WHERE rollout_id = $r AND device_id = $d;", null, ("$r", rolloutId), ("$d", deviceId));
        return await cmd.ExecuteScalarAsync(ct) as byte[];
    }

    public async Task<RolloutView?> GetAsync(string id, CancellationToken ct) =>
        await LoadAsync("WHERE id = $id", ct, ("$id", id)) is [var one, ..] ? one : null;

    /// <summary>Newest first, at most <see cref="MaxListed"/>.</summary>
    public Task<IReadOnlyList<RolloutView>> ListAsync(CancellationToken ct) => LoadAsync("", ct);

    public Task<IReadOnlyList<RolloutView>> UnfinishedAsync(CancellationToken ct) =>
        LoadAsync($"WHERE state IN ('{RolloutState.Running}', '{RolloutState.Paused}')", ct);

    private async Task<IReadOnlyList<RolloutView>> LoadAsync(string where, CancellationToken ct, params (string, object?)[] args)
    {
        await using var c = await store.OpenAsync(ct);
        var rollouts = new List<RolloutView>();
        using (var cmd = c.Command($"SELECT id, firmware_id, state, settings_json, note, created_utc, updated_utc FROM rollouts {where} ORDER BY created_utc DESC, rowid DESC LIMIT {MaxListed};", null, args))
        {
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                rollouts.Add(new RolloutView(r.GetString(0), r.GetString(2), r.GetString(1), r.IsDBNull(4) ? null : r.GetString(4),
                    RolloutSettings.FromJson(r.GetString(3)), Parse(r.GetString(5)), Parse(r.GetString(6)), []));
            }
        }
        var result = new List<RolloutView>(rollouts.Count);
        foreach (var rollout in rollouts)
        {
            var plugs = new List<RolloutPlug>();
            using var cmd = c.Command("SELECT device_id, name, wave, result, reason, from_version, to_version FROM rollout_devices WHERE rollout_id = $r ORDER BY position;", null, ("$r", rollout.Id));
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                plugs.Add(new RolloutPlug(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4),
                    r.IsDBNull(5) ? null : r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6)));
            }
            result.Add(rollout with { Devices = plugs });
        }
        return result;
    }

    private static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);
}
