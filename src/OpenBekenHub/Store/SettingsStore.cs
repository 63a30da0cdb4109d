namespace OpenBekenHub.Store;

/// <summary>Key/value settings that the user changes in the pages (they override appsettings at run time).</summary>
public sealed class SettingsStore(HubStore store)
{
    public async Task<string?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        await using var c = await store.OpenAsync(cancellationToken);
        using var cmd = c.Command("SELECT value FROM settings WHERE key = $k;", null, ("$k", key));
        return await cmd.ExecuteScalarAsync(cancellationToken) as string;
    }

    public async Task<IReadOnlyDictionary<string, string>> GetAllAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await store.OpenAsync(cancellationToken);
        using var cmd = c.Command("SELECT key, value FROM settings;");
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await r.ReadAsync(cancellationToken))
        {
            result[r.GetString(0)] = r.GetString(1);
        }
        return result;
    }

    public async Task SetAsync(string key, string value, CancellationToken cancellationToken = default)
    {
        await using var c = await store.OpenAsync(cancellationToken);
        using var cmd = c.Command(
            "INSERT INTO settings(key, value, updated_utc) VALUES ($k, $v, $t) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_utc = excluded.updated_utc;",
            null, ("$k", key), ("$v", value), ("$t", HubStore.Now()));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }
}
