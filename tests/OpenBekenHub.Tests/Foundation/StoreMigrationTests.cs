using Microsoft.Data.Sqlite;
using OpenBekenHub.Store;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Tests.Foundation;

public sealed class StoreMigrationTests : IDisposable
{
    private readonly TempDir _dir = new("store");

    [Fact]
    public async Task Empty_database_is_migrated_to_the_latest_schema_in_wal_mode()
    {
        var store = new HubStore(_dir.File("hub.db"));
        Assert.Equal(0, await store.MigrateAsync());
        Assert.Equal(Migrations.LatestVersion, await store.GetVersionAsync());

        await using var c = await store.OpenAsync();
        Assert.Equal("wal", await ScalarAsync(c, "PRAGMA journal_mode;"));
        foreach (var table in new[] { "users", "settings", "devices", "jobs", "job_steps", "backups", "firmware", "api_tokens", "provisioning_profiles" })
        {
            Assert.Equal(table, await ScalarAsync(c, $"SELECT name FROM sqlite_master WHERE type='table' AND name='{table}';"));
        }
    }

    [Fact]
    public async Task Older_schema_is_upgraded_and_keeps_its_data()
    {
        var store = new HubStore(_dir.File("hub.db"));
        await store.MigrateToAsync(1);
        await new UserStore(store).SetPasswordAsync("admin", "pw");
        await new SettingsStore(store).SetAsync("ha.prefix", "ha");

        Assert.Equal(1, await store.MigrateAsync());
        Assert.Equal(Migrations.LatestVersion, await store.GetVersionAsync());
        Assert.NotNull(await new UserStore(store).VerifyAsync("admin", "pw"));
        Assert.Equal("ha", await new SettingsStore(store).GetAsync("ha.prefix"));
        Assert.Equal(0, await store.MigrateAsync() - Migrations.LatestVersion);
    }

    [Fact]
    public async Task Database_from_a_newer_hub_is_refused_with_a_clear_message()
    {
        var store = new HubStore(_dir.File("hub.db"));
        await store.MigrateAsync();
        await using (var c = await store.OpenAsync())
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"PRAGMA user_version = {Migrations.LatestVersion + 1};";
            await cmd.ExecuteNonQueryAsync();
        }
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => store.MigrateAsync());
        Assert.Contains("newer than this obkhub knows", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_transaction_leaves_committed_data_untouched()
    {
        var store = new HubStore(_dir.File("hub.db"));
        await store.MigrateAsync();
        var settings = new SettingsStore(store);
        await settings.SetAsync("k", "committed");

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.InTransactionAsync(async (c, tx) =>
        {
            using var cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "UPDATE settings SET value = 'half-written' WHERE key = 'k';";
            await cmd.ExecuteNonQueryAsync();
            throw new InvalidOperationException("crash mid-write");
        }));
        Assert.Equal("committed", await settings.GetAsync("k"));
    }

    private static async Task<string?> ScalarAsync(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return (await cmd.ExecuteScalarAsync())?.ToString();
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
