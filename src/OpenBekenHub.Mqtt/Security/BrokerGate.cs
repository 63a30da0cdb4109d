using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OpenBekenHub.Mqtt.Security;

public enum ConnectVerdict
{
    /// <summary>Known account, right password.</summary>
    Accepted,

    /// <summary>Unknown plug admitted by the permit-join window or an approval; it gets its own account and is moved to it.</summary>
    Joining,

    Refused,
}

/// <summary>What the broker does with a CONNECT. <see cref="JoinPassword"/> is the joining plug's new password, to be sent to it once.</summary>
public sealed record ConnectDecision(ConnectVerdict Verdict, CompiledRules? Rules, string Reason, string? JoinPassword = null);

/// <summary>
/// Who may connect: accounts, the binding of client ids to accounts (no takeover of the hub's or a plug's id), the
/// permit-join window, one-off approvals, and the list of refused clients. Pure decisions; the broker applies them.
/// </summary>
public sealed class BrokerGate
{
    /// <summary>How long an approval from the refused list admits that client id.</summary>
    public static readonly TimeSpan ApprovalValidity = TimeSpan.FromMinutes(10);

    private static readonly TimeSpan RefusalLogInterval = TimeSpan.FromMinutes(10);

    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _approved = new(StringComparer.Ordinal);
    private DateTimeOffset? _permitJoinUntil;

    public BrokerGate(BrokerAccounts accounts, TimeProvider? time = null, ILogger? logger = null)
    {
        Accounts = accounts ?? throw new ArgumentNullException(nameof(accounts));
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    public BrokerAccounts Accounts { get; }

    public RefusedClients Refused { get; } = new();

    /// <summary>End of the permit-join window, or null when closed.</summary>
    public DateTimeOffset? PermitJoinUntil => _permitJoinUntil is { } until && until > _time.GetUtcNow() ? until : null;

    /// <summary>Raised when a joined plug came back with its generated credentials (moved to its account).</summary>
    public event Action<BrokerAccount>? PlugMoved;

    /// <summary>Opens the window for <paramref name="duration"/>; zero (or less) closes it.</summary>
    public DateTimeOffset? PermitJoin(TimeSpan duration)
    {
        _permitJoinUntil = duration > TimeSpan.Zero ? _time.GetUtcNow() + duration : null;
        if (_permitJoinUntil is null)
        {
            _logger.LogInformation("Broker permit-join closed");
        }
        else
        {
            _logger.LogInformation("Broker permit-join open until {Until:u}", _permitJoinUntil);
        }
        return PermitJoinUntil;
    }

    /// <summary>Admits a refused client id once (its next connect within <see cref="ApprovalValidity"/>) and removes it from the list.</summary>
    public bool Approve(string clientId)
    {
        if (Refused.Find(clientId) is null || !IsJoinable(clientId))
        {
            return false;
        }
        _approved[clientId] = _time.GetUtcNow() + ApprovalValidity;
        Refused.Remove(clientId);
        _logger.LogInformation("Broker: client {ClientId} approved; it gets its own account at its next connect", clientId);
        return true;
    }

    public ConnectDecision Decide(string clientId, string? username, string? password, string? address, string? willTopic)
    {
        var account = string.IsNullOrEmpty(username) ? null : Accounts.Verify(username, password);
        if (account is not null)
        {
            var owner = OwnerOfClientId(clientId);
            // a plug must use its own id; the hub's account may use others (tools run with its configured login)
            if (owner is not null && owner.Username != account.Username || account.Kind == AccountKind.Plug && account.ClientId is not null && account.ClientId != clientId)
            {
                return Refuse(clientId, username, address, $"client id '{clientId}' belongs to another account (takeover refused)", warnAlways: true);
            }
            var rules = TopicRules.Compile(account);
            if (willTopic is not null && !rules.CanPublish(willTopic))
            {
                return Refuse(clientId, username, address, $"last-will topic '{willTopic}' is not the account's to publish", warnAlways: true);
            }
            if (account.Kind == AccountKind.Plug && account.Confirmed is null)
            {
                Accounts.Confirm(account.Username);
                if (account.Source is "permit-join" or "approved")
                {
                    _logger.LogInformation("Broker: plug {ClientId} came back with its generated credentials", clientId);
                    PlugMoved?.Invoke(account);
                }
            }
            return new ConnectDecision(ConnectVerdict.Accepted, rules, "account");
        }
        var now = _time.GetUtcNow();
        var approved = _approved.TryGetValue(clientId, out var until) && until > now;
        if ((PermitJoinUntil is not null || approved) && IsJoinable(clientId))
        {
            _approved.TryRemove(clientId, out _);
            var (joined, newPassword) = Accounts.IssuePlug(clientId, deviceName: null, groupTopic: null, approved ? "approved" : "permit-join");
            Refused.Remove(clientId);
            _logger.LogInformation("Broker: plug {ClientId} from {Address} joined ({How}); moving it to its own account", clientId, address, approved ? "approved" : "permit-join");
            var rules = TopicRules.Compile(joined);
            if (willTopic is not null && !rules.CanPublish(willTopic))
            {
                return Refuse(clientId, username, address, $"last-will topic '{willTopic}' is not the plug's own", warnAlways: true);
            }
            return new ConnectDecision(ConnectVerdict.Joining, rules, "join", newPassword);
        }
        var reason = string.IsNullOrEmpty(username) ? "anonymous clients are not allowed"
            : Accounts.Find(username) is null ? "unknown username" : "wrong password";
        return Refuse(clientId, username, address, reason, warnAlways: false);
    }

    /// <summary>
    /// A client id that may become a plug account: a valid client topic with no account yet, or with a join that never
    /// completed. A flashed plug's account (not yet seen) is not up for grabs: its credentials are in its flash.
    /// </summary>
    public bool IsJoinable(string clientId) =>
        TopicRules.IsValidPlugTopic(clientId) && clientId != Accounts.HubClientId
        && Accounts.Find(clientId) is null or { Kind: AccountKind.Plug, Confirmed: null, Source: "permit-join" or "approved" };

    private BrokerAccount? OwnerOfClientId(string clientId)
    {
        if (clientId == Accounts.HubClientId)
        {
            return Accounts.Hub;
        }
        return Accounts.Find(clientId) is { Kind: AccountKind.Plug } plug ? plug : null;
    }

    private ConnectDecision Refuse(string clientId, string? username, string? address, string reason, bool warnAlways)
    {
        var previous = Refused.Find(clientId);
        var now = _time.GetUtcNow();
        Refused.Add(new RefusedClient(clientId, username, address, now, reason));
        // a refused plug retries every ~15 s: log it once per interval, attacks every time
        if (warnAlways || previous is null || now - previous.Time > RefusalLogInterval)
        {
            _logger.LogWarning("Broker refused client {ClientId} (user {Username}) from {Address}: {Reason}", clientId, username ?? "(none)", address, reason);
        }
        return new ConnectDecision(ConnectVerdict.Refused, null, reason);
    }
}
