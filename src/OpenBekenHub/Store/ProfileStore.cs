using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using OpenBekenHub.Provisioning.Profiles;

namespace OpenBekenHub.Store;

/// <summary>A provisioning profile as the pages and API see it: secrets are never returned, only whether they are set.</summary>
public sealed record ProfileView(
    string Id,
    string Name,
    string WifiSsid,
    bool HasWifiPassword,
    string MqttHost,
    int MqttPort,
    string? MqttUsername,
    bool HasMqttPassword,
    string ClientTopicPattern,
    string? GroupTopic);

/// <summary>What a user submits; a null or empty password keeps the stored one (passwords are write-only).</summary>
public sealed record ProfileInput(
    string Name,
    string WifiSsid,
    string? WifiPassword,
    string MqttHost,
    int MqttPort,
    string? MqttUsername,
    string? MqttPassword,
    string ClientTopicPattern,
    string? GroupTopic);

/// <summary>The secrets, only for the provisioning job that writes them to a plug.</summary>
public sealed record ProfileSecrets(string? WifiPassword, string? MqttPassword);

/// <summary>
/// Provisioning profiles. Wi-Fi and MQTT passwords are encrypted at rest with ASP.NET Core Data Protection (keys in
/// the data directory) and only <see cref="GetSecretsAsync"/> decrypts them.
/// </summary>
public sealed class ProfileStore(HubStore store, IDataProtectionProvider protection)
{
    private readonly IDataProtector _protector = protection.CreateProtector("obkhub.provisioning-profiles.v1");

    public async Task<IReadOnlyList<ProfileView>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var c = await store.OpenAsync(cancellationToken);
        using var cmd = c.Command("SELECT id, json, secrets_protected FROM provisioning_profiles ORDER BY name;");
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        var list = new List<ProfileView>();
        while (await r.ReadAsync(cancellationToken))
        {
            list.Add(ToView(r.GetString(0), r.GetString(1), Unprotect(r.GetString(2))));
        }
        return list;
    }

    public async Task<ProfileView?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var row = await ReadRowAsync(id, cancellationToken);
        return row is null ? null : ToView(id, row.Value.Json, Unprotect(row.Value.Secrets));
    }

    public async Task<ProfileSecrets?> GetSecretsAsync(string id, CancellationToken cancellationToken = default)
    {
        var row = await ReadRowAsync(id, cancellationToken);
        return row is null ? null : Unprotect(row.Value.Secrets);
    }

    /// <summary>Creates (id null) or updates a profile; returns its id.</summary>
    public async Task<string> SaveAsync(string? id, ProfileInput input, CancellationToken cancellationToken = default)
    {
        Validate(input);
        var existing = id is null ? null : await GetSecretsAsync(id, cancellationToken);
        var secrets = new ProfileSecrets(
            string.IsNullOrEmpty(input.WifiPassword) ? existing?.WifiPassword : input.WifiPassword,
            string.IsNullOrEmpty(input.MqttPassword) ? existing?.MqttPassword : input.MqttPassword);
        var publicPart = JsonSerializer.Serialize(input with { WifiPassword = null, MqttPassword = null });
        id ??= Guid.NewGuid().ToString("N")[..12];
        await using var c = await store.OpenAsync(cancellationToken);
        using var cmd = c.Command(
            """
            INSERT INTO provisioning_profiles(id, name, json, secrets_protected, updated_utc) VALUES ($id, $n, $j, $s, $t)
            ON CONFLICT(id) DO UPDATE SET name = excluded.name, json = excluded.json, secrets_protected = excluded.secrets_protected, updated_utc = excluded.updated_utc;
            """, null,
            ("$id", id), ("$n", input.Name), ("$j", publicPart), ("$s", _protector.Protect(JsonSerializer.Serialize(secrets))), ("$t", HubStore.Now()));
        await cmd.ExecuteNonQueryAsync(cancellationToken);
        return id;
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var c = await store.OpenAsync(cancellationToken);
        using var cmd = c.Command("DELETE FROM provisioning_profiles WHERE id = $id;", null, ("$id", id));
        return await cmd.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    /// <summary>The provisioning library's own checks (the ones the config writer relies on) plus the firmware's field sizes.</summary>
    public static void Validate(ProfileInput input)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(input.Name))
        {
            problems.Add("a profile needs a name");
        }
        problems.AddRange(new ProvisioningProfile
        {
            WifiSsid = input.WifiSsid ?? "",
            WifiPassword = input.WifiPassword ?? "",
            MqttHost = input.MqttHost ?? "",
            MqttPort = input.MqttPort,
            ClientTopicPattern = input.ClientTopicPattern ?? "",
        }.Validate());
        // OpenBeken keeps the SSID in 64 bytes and the Wi-Fi password in 68 (NUL-terminated); WPA2 allows 32 and 63
        if (System.Text.Encoding.UTF8.GetByteCount(input.WifiSsid ?? "") > 32)
        {
            problems.Add("Wi-Fi SSID must be at most 32 bytes");
        }
        if (System.Text.Encoding.UTF8.GetByteCount(input.WifiPassword ?? "") > 63)
        {
            problems.Add("Wi-Fi password must be at most 63 characters (WPA2)");
        }
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems));
        }
    }

    private async Task<(string Json, string Secrets)?> ReadRowAsync(string id, CancellationToken cancellationToken)
    {
        await using var c = await store.OpenAsync(cancellationToken);
        using var cmd = c.Command("SELECT json, secrets_protected FROM provisioning_profiles WHERE id = $id;", null, ("$id", id));
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        return await r.ReadAsync(cancellationToken) ? (r.GetString(0), r.GetString(1)) : null;
    }

    private ProfileSecrets Unprotect(string protectedSecrets) =>
        JsonSerializer.Deserialize<ProfileSecrets>(_protector.Unprotect(protectedSecrets)) ?? new ProfileSecrets(null, null);

    private static ProfileView ToView(string id, string json, ProfileSecrets secrets)
    {
        var p = JsonSerializer.Deserialize<ProfileInput>(json) ?? throw new InvalidDataException($"profile {id} is unreadable");
        return new ProfileView(id, p.Name, p.WifiSsid, !string.IsNullOrEmpty(secrets.WifiPassword), p.MqttHost, p.MqttPort,
            p.MqttUsername, !string.IsNullOrEmpty(secrets.MqttPassword), p.ClientTopicPattern, p.GroupTopic);
    }
}
