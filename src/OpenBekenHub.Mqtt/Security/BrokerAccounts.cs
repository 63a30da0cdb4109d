using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace OpenBekenHub.Mqtt.Security;

/// <summary>
/// The broker's accounts: the hub's own, Home Assistant's and one per plug, kept in one JSON file in the data
/// directory written with mode 0600 (it holds the hub's and Home Assistant's passwords). Thread-safe.
/// </summary>
public sealed class BrokerAccounts
{
    public const string FileName = "broker-accounts.json";
    public const string HubUsername = "obkhub";
    public const string HomeAssistantUsername = "homeassistant";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
    private readonly ConcurrentDictionary<string, BrokerAccount> _accounts = new(StringComparer.Ordinal);
    private readonly Lock _saveGate = new();
    private readonly string? _path;

    private BrokerAccounts(string? path)
    {
        _path = path;
    }

    /// <summary>
    /// The MQTT client id only the hub's account may use: generated once per install (<c>obkhub-</c> and 12 random
    /// characters) and kept in the file, or <c>Mqtt:ClientId</c> when configured.
    /// </summary>
    public string HubClientId => Hub.ClientId!;

    public BrokerAccount Hub => _accounts.Values.First(a => a.Kind == AccountKind.Hub);

    public BrokerAccount HomeAssistant => _accounts[HomeAssistantUsername];

    public IReadOnlyCollection<BrokerAccount> All => [.. _accounts.Values];

    public IEnumerable<BrokerAccount> Plugs => _accounts.Values.Where(a => a.Kind == AccountKind.Plug);

    /// <summary>Raised after a change was saved (an external-broker sync follows it).</summary>
    public event Action<BrokerAccount>? Changed;

    /// <summary>Loads the file, or creates it with fresh hub and Home Assistant secrets. <paramref name="path"/> null keeps accounts in memory.</summary>
    /// <param name="configuredClientId">
    /// <c>Mqtt:ClientId</c> when set: the hub connects with it. Null: the install's own generated id (created at the
    /// first start, and at the first start after an upgrade from the shared default <c>obkhub</c>).
    /// </param>
    /// <param name="hubOverride">Configured hub credentials (Mqtt:Embedded:Username/Password) used instead of the generated ones.</param>
    public static BrokerAccounts Open(string? path, string? configuredClientId, (string Username, string Password)? hubOverride = null)
    {
        var accounts = new BrokerAccounts(path);
        if (path is not null && File.Exists(path))
        {
            var stored = JsonSerializer.Deserialize<List<BrokerAccount>>(File.ReadAllText(path), Json) ?? [];
            foreach (var a in stored)
            {
                accounts._accounts[a.Username] = a;
            }
        }
        var created = false;
        var previousHub = accounts._accounts.Values.FirstOrDefault(a => a.Kind == AccountKind.Hub);
        if (hubOverride is { } o && (previousHub is not { } h || h.Username != o.Username || h.Password != o.Password))
        {
            foreach (var old in accounts._accounts.Values.Where(a => a.Kind == AccountKind.Hub).ToList())
            {
                accounts._accounts.TryRemove(old.Username, out _);
            }
            accounts._accounts[o.Username] = new BrokerAccount { Username = o.Username, Kind = AccountKind.Hub, Password = o.Password, Source = "config", ClientId = previousHub?.ClientId };
            created = true;
        }
        if (!accounts._accounts.Values.Any(a => a.Kind == AccountKind.Hub))
        {
            accounts._accounts[HubUsername] = new BrokerAccount { Username = HubUsername, Kind = AccountKind.Hub, Password = NewSecret(), Source = "install" };
            created = true;
        }
        if (!accounts._accounts.ContainsKey(HomeAssistantUsername))
        {
            accounts._accounts[HomeAssistantUsername] = new BrokerAccount { Username = HomeAssistantUsername, Kind = AccountKind.HomeAssistant, Password = NewSecret(), Source = "install" };
            created = true;
        }
        // the hub's client id is bound to its account (nobody else can knock the hub off its broker with it); unique per
        // install, so it cannot be guessed and two hubs never share it
        var storedId = accounts.Hub.ClientId;
        // unconfigured: the generated id stays; anything else (the old shared "obkhub", a Mqtt:ClientId since removed) is replaced
        var clientId = !string.IsNullOrWhiteSpace(configuredClientId) ? configuredClientId
            : storedId is not null && IsGeneratedClientId(storedId) ? storedId
            : NewClientId();
        if (storedId != clientId)
        {
            accounts._accounts[accounts.Hub.Username] = accounts.Hub with { ClientId = clientId };
            created = true;
        }
        if (created)
        {
            accounts.Save();
        }
        return accounts;
    }

    /// <summary>The client id every hub used before it had its own (the default of Mqtt:ClientId then).</summary>
    public const string LegacyClientId = "obkhub";

    private const string ClientIdAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary><c>obkhub-</c> and 12 random lowercase letters and digits (62 bits).</summary>
    public static string NewClientId() => "obkhub-" + RandomNumberGenerator.GetString(ClientIdAlphabet, 12);

    private static bool IsGeneratedClientId(string id) =>
        id.Length == 19 && id.StartsWith("obkhub-", StringComparison.Ordinal) && id[7..].All(c => ClientIdAlphabet.Contains(c, StringComparison.Ordinal));

    /// <summary>Reads the file as it is, without creating or changing anything (for the CLI while the hub may run).</summary>
    public static BrokerAccounts ReadExisting(string path)
    {
        var stored = JsonSerializer.Deserialize<List<BrokerAccount>>(File.ReadAllText(path), Json) ?? [];
        var hub = stored.FirstOrDefault(a => a.Kind == AccountKind.Hub);
        var accounts = new BrokerAccounts(null);
        foreach (var a in stored)
        {
            accounts._accounts[a.Username] = a;
        }
        if (hub?.ClientId is null || accounts.Find(HomeAssistantUsername) is null)
        {
            throw new JsonException($"{path} has no hub or Home Assistant account");
        }
        return accounts;
    }

    /// <summary>128 bits from the OS RNG as 22 base62 characters: no ';', quote or space, so it passes through an OpenBeken backlog.</summary>
    public static string NewSecret()
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        return RandomNumberGenerator.GetString(alphabet, 22);
    }

    private string Derive(string clientTopic, string issueKey)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(Hub.Password ?? ""), Encoding.UTF8.GetBytes(clientTopic + "\n" + issueKey));
        // 22 base62 characters from the 256-bit MAC (the slight modulo bias leaves well over 128 bits)
        return string.Concat(mac.Take(22).Select(b => alphabet[b % alphabet.Length]));
    }

    public static string Hash(string password) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(password)));

    public BrokerAccount? Find(string? username) => username is not null && _accounts.TryGetValue(username, out var a) ? a : null;

    /// <summary>The account whose username and password match, or null. Constant-time password comparison.</summary>
    public BrokerAccount? Verify(string? username, string? password)
    {
        if (Find(username) is not { } account || password is null)
        {
            return null;
        }
        var ok = account.PasswordHash is not null
            ? CryptographicOperations.FixedTimeEquals(Convert.FromBase64String(account.PasswordHash), SHA256.HashData(Encoding.UTF8.GetBytes(password)))
            : account.Password is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(account.Password), Encoding.UTF8.GetBytes(password));
        return ok ? account : null;
    }

    /// <summary>
    /// Gives plug <paramref name="clientTopic"/> a fresh random password (creating the account when new) and returns it:
    /// the only moment the clear password exists outside the plug.
    /// </summary>
    /// <param name="issueKey">
    /// Makes the password reproducible for one issue (a flash job's id): a job resumed after a hub restart writes and
    /// verifies the same config block. Derived with HMAC-SHA256 keyed by the hub's own secret, so it is as unguessable
    /// as a random one. Null: a fresh random password.
    /// </param>
    public (BrokerAccount Account, string Password) IssuePlug(string clientTopic, string? deviceName, string? groupTopic, string source, string? issueKey = null)
    {
        var issued = IssueCore(clientTopic, deviceName, groupTopic, source, issueKey);
        Save();
        Changed?.Invoke(issued.Account);
        return issued;
    }

    /// <summary>Issues many plug accounts with one write of the file (demo fleets, benchmarks).</summary>
    public IReadOnlyList<(BrokerAccount Account, string Password)> IssuePlugs(IEnumerable<(string ClientTopic, string? DeviceName, string? GroupTopic)> plugs, string source)
    {
        ArgumentNullException.ThrowIfNull(plugs);
        var issued = plugs.Select(p => IssueCore(p.ClientTopic, p.DeviceName, p.GroupTopic, source, null)).ToList();
        Save();
        foreach (var (account, _) in issued)
        {
            Changed?.Invoke(account);
        }
        return issued;
    }

    private (BrokerAccount Account, string Password) IssueCore(string clientTopic, string? deviceName, string? groupTopic, string source, string? issueKey)
    {
        if (!TopicRules.IsValidPlugTopic(clientTopic) || clientTopic == Hub.Username || clientTopic == HomeAssistantUsername || clientTopic == HubClientId)
        {
            throw new ArgumentException($"'{clientTopic}' cannot be a plug's client topic (reserved, too long, or contains '/', '+', '#', ';', quotes or spaces)", nameof(clientTopic));
        }
        if (groupTopic is not null && (groupTopic == clientTopic || _accounts.ContainsKey(groupTopic) || !TopicRules.IsValidPlugTopic(groupTopic)))
        {
            // a group topic equal to another account's name would let this plug read that device's commands
            groupTopic = null;
        }
        if (!string.IsNullOrEmpty(deviceName) && Plugs.Any(p => p.Username != clientTopic && p.DeviceName == deviceName))
        {
            deviceName = null; // another plug owns those discovery ids
        }
        if (_accounts.TryGetValue(clientTopic, out var existing) && existing.Kind != AccountKind.Plug)
        {
            throw new ArgumentException($"'{clientTopic}' is the name of another account", nameof(clientTopic));
        }
        var password = issueKey is null ? NewSecret() : Derive(clientTopic, issueKey);
        var account = new BrokerAccount
        {
            Username = clientTopic,
            Kind = AccountKind.Plug,
            PasswordHash = Hash(password),
            GroupTopic = groupTopic ?? existing?.GroupTopic,
            DeviceName = string.IsNullOrEmpty(deviceName) ? existing?.DeviceName : deviceName,
            ClientId = clientTopic,
            Source = source,
            Created = existing?.Created ?? DateTimeOffset.UtcNow,
        };
        _accounts[clientTopic] = account;
        return (account, password);
    }

    /// <summary>Marks that the plug connected with its current credentials.</summary>
    public void Confirm(string username)
    {
        if (Find(username) is { Kind: AccountKind.Plug, Confirmed: null } account)
        {
            _accounts[username] = account with { Confirmed = DateTimeOffset.UtcNow };
            SaveSoon();
        }
    }

    public bool Remove(string username)
    {
        if (Find(username) is not { Kind: AccountKind.Plug } || !_accounts.TryRemove(username, out var removed))
        {
            return false;
        }
        Save();
        Changed?.Invoke(removed with { PasswordHash = null });
        return true;
    }

    /// <summary>Coalesces bursts (a thousand plugs confirming after a restart) into one write a second later.</summary>
    private void SaveSoon()
    {
        if (_path is null || Interlocked.Exchange(ref _saveScheduled, 1) == 1)
        {
            return;
        }
        _ = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            Interlocked.Exchange(ref _saveScheduled, 0);
            Save();
        });
    }

    private int _saveScheduled;

    private void Save()
    {
        if (_path is null)
        {
            return;
        }
        lock (_saveGate)
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(_path))!;
            Directory.CreateDirectory(directory);
            var temp = _path + ".tmp";
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            using (var stream = new FileStream(temp, options))
            {
                JsonSerializer.Serialize(stream, _accounts.Values.OrderBy(a => a.Kind).ThenBy(a => a.Username, StringComparer.Ordinal).ToList(), Json);
            }
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            File.Move(temp, _path, overwrite: true);
        }
    }
}
