namespace OpenBekenHub.Cli;

/// <summary>A broker the bridge benchmark started with accounts: who logs in as what, and what setting up the accounts took.</summary>
internal interface IBenchBroker : IAsyncDisposable
{
    /// <summary>JSON object client topic → password, for <c>simulate plugs --accounts</c>; null = plugs log in anonymously.</summary>
    string? PlugAccountsFile { get; }

    /// <summary>Seconds spent creating the plug accounts (setup, not adoption); NaN when there are none.</summary>
    double ProvisionSeconds { get; }

    (string User, string Password)? HubLogin { get; }

    /// <summary>The probes read as Home Assistant (reads everything, publishes its birth).</summary>
    (string User, string Password)? HomeAssistantLogin { get; }

    /// <summary>Stands in for the plugs in the latency samples (publishes on any plug's topics).</summary>
    (string User, string Password)? PublisherLogin { get; }
}
