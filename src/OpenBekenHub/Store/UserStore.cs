using Microsoft.AspNetCore.Identity;

namespace OpenBekenHub.Store;

public sealed record HubUser(long Id, string Username);

/// <summary>Accounts with passwords hashed by ASP.NET Core Identity's PasswordHasher (PBKDF2); never stored in clear.</summary>
public sealed class UserStore(HubStore store)
{
    private readonly PasswordHasher<HubUser> _hasher = new();

    public async Task<int> CountAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await store.OpenAsync(cancellationToken);
        using var cmd = c.Command("SELECT COUNT(*) FROM users;");
        return Convert.ToInt32(await cmd.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Returns the user when the password matches; rehashes transparently when the hasher says so.</summary>
    public async Task<HubUser?> VerifyAsync(string username, string password, CancellationToken cancellationToken = default)
    {
        await using var c = await store.OpenAsync(cancellationToken);
        using var cmd = c.Command("SELECT id, username, password_hash FROM users WHERE username = $u;", null, ("$u", username));
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            // same work as a real check, so timing does not tell which usernames exist
            _hasher.VerifyHashedPassword(new HubUser(0, username), DummyHash, password);
            return null;
        }
        var user = new HubUser(reader.GetInt64(0), reader.GetString(1));
        var result = _hasher.VerifyHashedPassword(user, reader.GetString(2), password);
        return result == PasswordVerificationResult.Failed ? null : user;
    }

    /// <summary>Changes the password when the current one matches, and ends every session of the user.</summary>
    public async Task<bool> ChangePasswordAsync(string username, string currentPassword, string newPassword, CancellationToken cancellationToken = default)
    {
        if (await VerifyAsync(username, currentPassword, cancellationToken) is null)
        {
            return false;
        }
        await SetPasswordAsync(username, newPassword, cancellationToken);
        return true;
    }

    /// <summary>
    /// Sets the password (creating the account when it does not exist yet) and ends every session of the user in the
    /// same transaction. Returns true when the account already existed.
    /// </summary>
    public Task<bool> SetPasswordAsync(string username, string newPassword, CancellationToken cancellationToken = default)
    {
        var hash = _hasher.HashPassword(new HubUser(0, username), newPassword);
        return store.InTransactionAsync(async (c, tx) =>
        {
            using var update = c.Command("UPDATE users SET password_hash = $h WHERE username = $u RETURNING id;", tx, ("$h", hash), ("$u", username));
            if (await update.ExecuteScalarAsync(cancellationToken) is long id)
            {
                using var end = c.Command("DELETE FROM sessions WHERE user_id = $id;", tx, ("$id", id));
                await end.ExecuteNonQueryAsync(cancellationToken);
                return true;
            }
            using var insert = c.Command("INSERT INTO users(username, password_hash, created_utc) VALUES ($u, $h, $t);", tx,
                ("$u", username), ("$h", hash), ("$t", HubStore.Now()));
            await insert.ExecuteNonQueryAsync(cancellationToken);
            return false;
        }, cancellationToken);
    }

    private static readonly string DummyHash = new PasswordHasher<HubUser>().HashPassword(new HubUser(0, "x"), Guid.NewGuid().ToString());
}
