using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OpenBekenHub.Store;

/// <summary>
/// Server-side login sessions: the login cookie carries a random session id, and the cookie is accepted only while
/// that session's row exists. Logout deletes the row; a password change or reset deletes all of the user's rows
/// (<see cref="UserStore.SetPasswordAsync"/>), so a copied cookie stops working at once. Only a SHA-256 of the id
/// is stored, so a copy of the database cannot be turned into a session.
/// </summary>
public sealed class SessionStore(HubStore store, TimeProvider time)
{
    /// <summary>Sessions unused this long are pruned (the cookie's own sliding lifetime).</summary>
    public static readonly TimeSpan IdleLifetime = TimeSpan.FromDays(7);

    // last_seen is written at most this often, so checking a cookie is a read, not a write, on almost every request
    private static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(10);

    public async Task<string> StartAsync(long userId, CancellationToken cancellationToken = default)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var now = Stamp(time.GetUtcNow());
        await store.InTransactionAsync(async (c, tx) =>
        {
            using var prune = c.Command("DELETE FROM sessions WHERE last_seen_utc < $old;", tx, ("$old", Stamp(time.GetUtcNow() - IdleLifetime)));
            await prune.ExecuteNonQueryAsync(cancellationToken);
            using var insert = c.Command("INSERT INTO sessions(id, user_id, created_utc, last_seen_utc) VALUES ($id, $u, $t, $t);", tx,
                ("$id", Hash(id)), ("$u", userId), ("$t", now));
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);
        return id;
    }

    /// <summary>True while the session exists and belongs to <paramref name="userId"/>.</summary>
    public async Task<bool> IsActiveAsync(string sessionId, long userId, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        await using var c = await store.OpenAsync(cancellationToken);
        using var read = c.Command("SELECT last_seen_utc FROM sessions WHERE id = $id AND user_id = $u;", null, ("$id", Hash(sessionId)), ("$u", userId));
        if (await read.ExecuteScalarAsync(cancellationToken) is not string lastSeen)
        {
            return false;
        }
        var seen = DateTimeOffset.Parse(lastSeen, CultureInfo.InvariantCulture);
        if (now - seen > IdleLifetime)
        {
            return false;
        }
        if (now - seen > TouchInterval)
        {
            using var touch = c.Command("UPDATE sessions SET last_seen_utc = $t WHERE id = $id;", null, ("$t", Stamp(now)), ("$id", Hash(sessionId)));
            await touch.ExecuteNonQueryAsync(cancellationToken);
        }
        return true;
    }

    public async Task EndAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        await using var c = await store.OpenAsync(cancellationToken);
        using var cmd = c.Command("DELETE FROM sessions WHERE id = $id;", null, ("$id", Hash(sessionId)));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<int> CountAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await store.OpenAsync(cancellationToken);
        using var cmd = c.Command("SELECT COUNT(*) FROM sessions;");
        return Convert.ToInt32(await cmd.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    private static string Stamp(DateTimeOffset t) => t.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static string Hash(string id) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(id)));
}
