using System.Security.Cryptography;
using System.Text;

namespace OpenBekenHub.Store;

public sealed record ApiToken(string Id, string Name, DateTimeOffset Created, DateTimeOffset? LastUsed, HubScope Scope);

/// <summary>What a token may do; each scope includes the ones before it (see <c>Auth/HubPolicies</c>).</summary>
public enum HubScope
{
    /// <summary>GET endpoints: devices, jobs, ports, live streams.</summary>
    Read = 1,

    /// <summary>Read, plus switching and restarting plugs.</summary>
    Control = 2,

    /// <summary>Everything: settings, jobs, tokens, broker, firmware, console commands, backups.</summary>
    Admin = 3,
}

/// <summary>
/// Bearer tokens for scripts. Only a SHA-256 of each token is stored; the token itself is shown once, at creation.
/// </summary>
public sealed class ApiTokenStore(HubStore store)
{
    public const string Prefix = "obk_";

    /// <summary>Creates a token and returns its clear text (the only time it exists outside the caller).</summary>
    public async Task<(ApiToken Token, string Secret)> CreateAsync(string name, HubScope scope, CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(scope))
        {
            throw new ArgumentOutOfRangeException(nameof(scope), scope, "unknown token scope");
        }
        var secret = Prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var token = new ApiToken(Guid.NewGuid().ToString("N")[..12], name, DateTimeOffset.UtcNow, null, scope);
        await using var c = await store.OpenAsync(cancellationToken);
        using var cmd = c.Command("INSERT INTO api_tokens(id, name, token_hash, created_utc, scope) VALUES ($id, $n, $h, $t, $s);", null,
            ("$id", token.Id), ("$n", name), ("$h", Hash(secret)), ("$t", HubStore.Now()), ("$s", ScopeName(scope)));
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
        using var cmd = c.Command("UPDATE api_tokens SET last_used_utc = $t WHERE token_hash = $h RETURNING id, name, created_utc, scope;", null,
            ("$h", Hash(secret)), ("$t", HubStore.Now()));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        return await r.ReadAsync(cancellationToken)
            ? new ApiToken(r.GetString(0), r.GetString(1), DateTimeOffset.Parse(r.GetString(2), System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.UtcNow, ParseScope(r.GetString(3)))
            : null;
    }

    public async Task<IReadOnlyList<ApiToken>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await store.OpenAsync(cancellationToken);
        using var cmd = c.Command("SELECT id, name, created_utc, last_used_utc, scope FROM api_tokens ORDER BY created_utc;");
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        var list = new List<ApiToken>();
        while (await r.ReadAsync(cancellationToken))
        {
            list.Add(new ApiToken(r.GetString(0), r.GetString(1), Parse(r.GetString(2))!.Value, r.IsDBNull(3) ? null : Parse(r.GetString(3)), ParseScope(r.GetString(4))));
        }
        return list;
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var c = await store.OpenAsync(cancellationToken);
        using var cmd = c.Command("DELETE FROM api_tokens WHERE id = $id;", null, ("$id", id));
        return await cmd.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public static string ScopeName(HubScope scope) => scope.ToString().ToLowerInvariant();

    /// <summary>An unknown stored scope reads as the narrowest one, never as admin.</summary>
    private static HubScope ParseScope(string s) => Enum.TryParse<HubScope>(s, ignoreCase: true, out var scope) && Enum.IsDefined(scope) ? scope : HubScope.Read;

    private static DateTimeOffset? Parse(string s) => DateTimeOffset.Parse(s, System.Globalization.CultureInfo.InvariantCulture);

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
