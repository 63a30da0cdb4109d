namespace OpenBekenHub.Mqtt.Security;

/// <summary>Gives a plug being provisioned its own broker account (the flash job writes it into the config block).</summary>
public interface IPlugCredentialIssuer
{
    /// <summary>
    /// A fresh username (= client topic) and password for the plug, already known to the broker; null when the hub
    /// does not manage the broker's accounts (external broker without dynamic security, or accounts switched off).
    /// The same <paramref name="issueKey"/> (a flash job's id) gives the same password, so a resumed job writes the same block.
    /// </summary>
    Task<(string Username, string Password)?> IssueForAsync(string clientTopic, string? deviceName, string? groupTopic, string? issueKey, CancellationToken ct);
}
