using System.Security.Cryptography;
using System.Text;

namespace OpenBekenHub.Store;

public sealed record ApiToken(string Id, string Name, DateTimeOffset Created, DateTimeOffset? LastUsed);

/// <summary>
/// Bearer tokens for scripts. Only a SHA-256 of each token is stored; the token itself is shown once, at creation.
/// </summary>
public sealed class ApiTokenStore(HubStore store)
{
    public const string Prefix = "obk_";

    /// <summary>Creates a token and returns its clear text (the only time it exists outside the caller).</summary>
    public async Task<(ApiToken Token, string Secret)> CreateAsync(string name, CancellationToken cancellationToken = default)
    {
        var secret = Prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var token = new ApiToken(Guid.NewGuid().ToString("N")[..12], name, DateTimeOffset.UtcNow, null);
        await using var c = await store.OpenAsync(cancellationToken);
        using var cmd = c.Command("INSERT INTO api_tokens(id, name, token_hash, created_utc) VALUES ($id, $n, $h, $t);", null,
            ("$id", token.Id), ("$n", name), ("$h", Hash(secret)), ("$t", HubStore.Now()));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
        return (token, secret);
    }

    public async Task<ApiToken?> ValidateAsync(string secret, CancellationToken cancellationToken = default)
    {
        if (!secret.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }
        await using var c = await store.OpenAsync(cancellationToken);
        using var cmd = c.Command("UPDATE api_tokens SET last_used_utc = $t WHERE token_hash = $h RETURNING id, name, created_utc;", null,
            ("$h", Hash(secret)), ("$t", HubStore.Now()));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        return await r.ReadAsync(cancellationToken)
            ? new ApiToken(r.GetString(0), r.GetString(1), DateTimeOffset.Parse(r.GetString(2), System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.UtcNow)
            : null;
    }

    public async Task<IReadOnlyList<ApiToken>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await store.OpenAsync(cancellationToken);
        using var cmd = c.Command("SELECT id, name, created_utc, last_used_utc FROM api_tokens ORDER BY created_utc;");
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        var list = new List<ApiToken>();
        while (await r.ReadAsync(cancellationToken))
        {
            list.Add(new ApiToken(r.GetString(0), r.GetString(1), Parse(r.GetString(2))!.Value, r.IsDBNull(3) ? null : Parse(r.GetString(3))));
        }
        return list;
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var c = await store.OpenAsync(cancellationToken);
        using var cmd = c.Command("DELETE FROM api_tokens WHERE id = $id;", null, ("$id", id));
        return await cmd.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    private static DateTimeOffset? Parse(string s) => DateTimeOffset.Parse(s, System.Globalization.CultureInfo.InvariantCulture);

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
