namespace OpenBekenHub.Mqtt.HomeAssistant;

/// <summary>
/// The Home Assistant device a plug carries on when it is not simply itself: a replacement plug (given a replaced
/// plug's configuration) is announced on the replaced plug's discovery topic, with its device <c>ids</c>, unique ids
/// and default entity ids, so HA updates the existing entities in place (names, history and automations survive).
/// </summary>
/// <param name="BaseId">Object id of the discovery topic, the device's <c>ids</c> and the base of unique and default entity ids.</param>
/// <param name="LegacyUniqueIds">The first plug's unique ids kept from OpenBeken's own discovery; they replace the plug's own.</param>
/// <param name="ReplacedBy">Set when another plug carries this plug's HA device now: this plug is never announced.</param>
public sealed record HomeAssistantIdentity(string BaseId, IReadOnlyDictionary<string, string> LegacyUniqueIds, string? ReplacedBy);

/// <summary>
/// Where the HA extension learns about replacements (implemented by the host's configuration backups). Without one,
/// every plug is announced as itself.
/// </summary>
public interface IHomeAssistantIdentities
{
    /// <summary>Ready before the first announcement: the HA extension awaits it when it starts. Idempotent.</summary>
    Task LoadAsync(CancellationToken ct);

    /// <summary>Null when <paramref name="deviceId"/> is announced as itself (it replaced no plug and was not replaced).</summary>
    HomeAssistantIdentity? Of(string deviceId);

    /// <summary>Raised with the replacement's device id when a plug took over another's HA device, so it is announced at once.</summary>
    event Action<string>? Replaced;
}
