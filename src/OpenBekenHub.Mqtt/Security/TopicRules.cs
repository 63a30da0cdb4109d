namespace OpenBekenHub.Mqtt.Security;

public enum AclAction
{
    Publish,
    Subscribe,
}

/// <summary>One rule: <paramref name="Filter"/> allowed or denied; higher <paramref name="Priority"/> is checked first.</summary>
public sealed record AclEntry(AclAction Action, string Filter, bool Allow, int Priority = 0);

/// <summary>
/// The topic rules of every account kind, in one place: the embedded broker evaluates them on each publish and
/// subscribe, and the Mosquitto dynamic-security roles are generated from the same lists. Topics follow
/// openbeken.md §1.2/§1.3 (what a plug subscribes to and publishes).
/// </summary>
public static class TopicRules
{
    /// <summary>OpenBeken hard-codes this prefix for its birth subscription and its own discovery (openbeken.md §1.2, §2.1).</summary>
    public const string HomeAssistantPrefix = "homeassistant";

    /// <summary>Top levels no plug may take as its client topic: they would give it other devices' topics.</summary>
    public static readonly IReadOnlySet<string> ReservedTopLevels = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "cmnd", "stat", "tele", HomeAssistantPrefix, "$SYS", "$CONTROL",
    };

    /// <summary>The rules of a plug with client topic <paramref name="c"/> and optional group topic <paramref name="g"/>.</summary>
    public static IReadOnlyList<AclEntry> ForPlug(string c, string? g)
    {
        var rules = new List<AclEntry>
        {
            // commands to the plug are not the plug's to publish
            new(AclAction.Publish, $"{c}/+/set", Allow: false, Priority: 10),
            new(AclAction.Publish, $"{c}/#", true),
            new(AclAction.Publish, $"stat/{c}/#", true),
            new(AclAction.Publish, $"tele/{c}/#", true),
            new(AclAction.Subscribe, $"{c}/+/set", true),
            new(AclAction.Subscribe, $"{c}/+/get", true),
            new(AclAction.Subscribe, $"cmnd/{c}/#", true),
            new(AclAction.Subscribe, $"stat/{c}/+", true),
            new(AclAction.Subscribe, $"tele/{c}/+", true),
            // the firmware subscribes "homeassistant/+" for the birth message; one level holds no discovery config
            new(AclAction.Subscribe, $"{HomeAssistantPrefix}/+", true),
        };
        if (!string.IsNullOrEmpty(g))
        {
            rules.Add(new(AclAction.Subscribe, $"{g}/+/set", true));
            rules.Add(new(AclAction.Subscribe, $"cmnd/{g}/+", true));
        }
        return rules;
    }

    /// <summary>Home Assistant reads everything and writes only commands, its birth message and firmware installs.</summary>
    public static IReadOnlyList<AclEntry> ForHomeAssistant() =>
    [
        new(AclAction.Subscribe, "#", true),
        new(AclAction.Publish, "+/+/set", true),
        new(AclAction.Publish, "cmnd/#", true),
        new(AclAction.Publish, $"{HomeAssistantPrefix}/status", true),
        // "Install" on a plug's update entity (the hub's own topic, <HubId>/devices/<id>/firmware/install)
        new(AclAction.Publish, "+/devices/+/firmware/install", true),
    ];

    public static IReadOnlyList<AclEntry> For(BrokerAccount account) => account.Kind switch
    {
        AccountKind.Plug => ForPlug(account.Username, account.GroupTopic),
        AccountKind.HomeAssistant => ForHomeAssistant(),
        _ => [new(AclAction.Publish, "#", true), new(AclAction.Subscribe, "#", true)],
    };

    public static bool CanPublish(BrokerAccount account, string topic) => Compile(account).CanPublish(topic);

    public static bool CanSubscribe(BrokerAccount account, string filter) => Compile(account).CanSubscribe(filter);

    /// <summary>The account's rules, sorted once (the broker keeps one per connected session).</summary>
    public static CompiledRules Compile(BrokerAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        return new CompiledRules(account, For(account));
    }

    /// <summary>
    /// <c>homeassistant/&lt;component&gt;/&lt;long&gt;_…/config</c> where &lt;long&gt; is the plug's own long device name
    /// (the firmware's unique-id scheme, openbeken.md §2.2/§2.5). Unknown long name: no discovery (the hub announces
    /// the plug to Home Assistant itself).
    /// </summary>
    public static bool IsOwnDiscoveryConfig(BrokerAccount account, string topic)
    {
        if (string.IsNullOrEmpty(account.DeviceName))
        {
            return false;
        }
        var levels = topic.Split('/');
        return levels.Length == 4 && levels[0] == HomeAssistantPrefix && levels[1].Length > 0 && levels[3] == "config"
            && (levels[2] == account.DeviceName || levels[2].StartsWith(account.DeviceName + "_", StringComparison.Ordinal));
    }

    /// <summary>
    /// Whether <paramref name="name"/> can be a plug's client topic (and username): one topic level, printable, no
    /// wildcard, no reserved top level, fits OpenBeken's 64-byte field, and no ';' or spaces (backlog separators).
    /// </summary>
    public static bool IsValidPlugTopic(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 63 && !ReservedTopLevels.Contains(name) && !name.StartsWith('$')
        && name.All(ch => ch > ' ' && ch < 127 && ch is not ('/' or '+' or '#' or ';' or '"' or '\''));
}

/// <summary>An account's rules ready for per-message checks (no allocation per check).</summary>
public sealed class CompiledRules
{
    private readonly AclEntry[] _publish;
    private readonly AclEntry[] _subscribe;

    internal CompiledRules(BrokerAccount account, IReadOnlyList<AclEntry> rules)
    {
        Account = account;
        _publish = [.. rules.Where(r => r.Action == AclAction.Publish).OrderByDescending(r => r.Priority)];
        _subscribe = [.. rules.Where(r => r.Action == AclAction.Subscribe && r.Allow)];
    }

    public BrokerAccount Account { get; }

    public bool CanPublish(string topic)
    {
        if (!TopicFilter.IsValidTopicName(topic))
        {
            return false;
        }
        if (Account.Kind == AccountKind.Hub)
        {
            return true;
        }
        foreach (var rule in _publish)
        {
            if (TopicFilter.Matches(rule.Filter, topic))
            {
                return rule.Allow;
            }
        }
        return Account.Kind == AccountKind.Plug && TopicRules.IsOwnDiscoveryConfig(Account, topic);
    }

    public bool CanSubscribe(string filter)
    {
        if (!TopicFilter.IsValidFilter(filter))
        {
            return false;
        }
        if (Account.Kind == AccountKind.Hub)
        {
            return true;
        }
        foreach (var rule in _subscribe)
        {
            if (TopicFilter.Covers(rule.Filter, filter))
            {
                return true;
            }
        }
        return false;
    }
}
