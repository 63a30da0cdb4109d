using System.Globalization;
using Microsoft.Data.Sqlite;

namespace OpenBekenHub.Store;

/// <summary>
/// The embedded SQLite store: one file in the data directory, WAL mode (readers never block the writer, and a crash
/// loses nothing already committed), schema migrated at start-up. Each call opens a pooled connection.
/// </summary>
public sealed class HubStore
{
    private readonly string _connectionString;

    public HubStore(string databasePath)
    {
        DatabasePath = databasePath;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 10,
        }.ToString();
    }

    public string DatabasePath { get; }

    public static string Now() => DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;";
        await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    /// <summary>Brings the schema to the latest version; returns the version it started from.</summary>
    public async Task<int> MigrateAsync(CancellationToken cancellationToken = default) =>
        await MigrateToAsync(Migrations.LatestVersion, cancellationToken).ConfigureAwait(false);

    internal async Task<int> MigrateToAsync(int target, CancellationToken cancellationToken = default)
    {
        RestrictFiles();
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;";
            await wal.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        var from = await GetVersionAsync(connection, cancellationToken).ConfigureAwait(false);
        if (from > Migrations.LatestVersion)
        {
            throw new InvalidOperationException(
                $"Database {DatabasePath} has schema version {from}, newer than this obkhub knows ({Migrations.LatestVersion}). Upgrade obkhub or restore a backup.");
        }
        for (var version = from; version < target; version++)
        {
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            using var cmd = connection.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = Migrations.Steps[version] + $"\nPRAGMA user_version = {version + 1};";
            await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        return from;
    }

    /// <summary>
    /// The database holds device records and encrypted secrets: it is created 0600 (an empty file is a valid empty
    /// SQLite database), and SQLite gives its -wal and -shm files the database file's mode. Files left by an older
    /// version are tightened.
    /// </summary>
    private void RestrictFiles()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        if (!File.Exists(DatabasePath))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(DatabasePath))!);
            using var created = new FileStream(DatabasePath, new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate,
                Access = FileAccess.Write,
                UnixCreateMode = Hosting.DataDirectory.OwnerOnlyFile,
            });
        }
        foreach (var suffix in new[] { "", "-wal", "-shm", "-journal" })
        {
            Hosting.DataDirectory.Restrict(DatabasePath + suffix);
        }
    }

    public async Task<int> GetVersionAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await GetVersionAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> GetVersionAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA user_version;";
        return Convert.ToInt32(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    /// <summary>True when the database answers a trivial query (for /health).</summary>
    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "SELECT 1;";
            return Convert.ToInt32(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) == 1;
        }
        catch (SqliteException)
        {
            return false;
        }
    }

    /// <summary>Runs <paramref name="work"/> in one transaction: all of it is committed, or none.</summary>
    public async Task<T> InTransactionAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var result = await work(connection, tx).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    public Task InTransactionAsync(Func<SqliteConnection, SqliteTransaction, Task> work, CancellationToken cancellationToken = default) =>
        InTransactionAsync<bool>(async (c, t) =>
        {
            await work(c, t).ConfigureAwait(false);
            return true;
        }, cancellationToken);
}

internal static class SqliteCommandExtensions
{
    public static SqliteCommand Command(this SqliteConnection connection, string sql, SqliteTransaction? tx = null, params (string Name, object? Value)[] parameters)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        return cmd;
    }
}
