using System.Globalization;
using System.Text.Json;
using OpenBekenHub.Mqtt.Connection;
using OpenBekenHub.Mqtt.Options;
using OpenBekenHub.Mqtt.Security;
using OpenBekenHub.Simulators.Plugs;

namespace OpenBekenHub.Cli;

/// <summary>
/// "bench bridge --brokers embedded-accounts": the embedded broker as the hub runs it, with accounts and topic rules
/// on, and one account per simulated plug (the plugs' passwords go to the simulator process in a 0600 file).
/// </summary>
internal sealed class BenchSecuredBroker : IBenchBroker
{
    private readonly EmbeddedBroker _broker;
    private readonly DirectoryInfo _dir;

    private BenchSecuredBroker(EmbeddedBroker broker, BrokerAccounts accounts, DirectoryInfo dir, string plugFile)
    {
        _broker = broker;
        Accounts = accounts;
        _dir = dir;
        PlugAccountsFile = plugFile;
    }

    public BrokerAccounts Accounts { get; }

    public string? PlugAccountsFile { get; }

    public double ProvisionSeconds { get; private init; }

    public (string User, string Password)? HubLogin => (Accounts.Hub.Username, Accounts.Hub.Password!);

    public (string User, string Password)? HomeAssistantLogin => (Accounts.HomeAssistant.Username, Accounts.HomeAssistant.Password!);

    /// <summary>The embedded broker lets the hub's account use other client ids (tools run with its login).</summary>
    public (string User, string Password)? PublisherLogin => HubLogin;

    public static async Task<BenchSecuredBroker> StartAsync(int port, int plugs, string hubClientId, CancellationToken ct)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var accounts = BrokerAccounts.Open(null, hubClientId);
        // the same topics as the simulator's fleet (PlugSettings.ForIndex)
        var issued = accounts.IssuePlugs(Enumerable.Range(0, plugs).Select(i => PlugSettings.ForIndex(i, "127.0.0.1", port))
            .Select(s => (s.ClientTopic, (string?)s.FriendlyName, (string?)s.GroupTopic)), "bench");
        var provision = sw.Elapsed.TotalSeconds;
        var dir = Directory.CreateTempSubdirectory("obkhub-bench-accounts-");
        var file = await WritePlugFileAsync(dir, issued, ct);
        var broker = new EmbeddedBroker(new EmbeddedBrokerOptions { Port = port, ListenOnAllInterfaces = false }, gate: new BrokerGate(accounts));
        await broker.StartAsync(ct);
        return new BenchSecuredBroker(broker, accounts, dir, file) { ProvisionSeconds = provision };
    }

    /// <summary>The plugs' clear passwords for the simulator process, in a 0600 file in <paramref name="dir"/>.</summary>
    public static async Task<string> WritePlugFileAsync(DirectoryInfo dir, IEnumerable<(BrokerAccount Account, string Password)> issued, CancellationToken ct)
    {
        var file = Path.Combine(dir.FullName, "plugs.json");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        await using (var stream = new FileStream(file, options))
        {
            await JsonSerializer.SerializeAsync(stream, issued.ToDictionary(x => x.Account.Username, x => x.Password), cancellationToken: ct);
        }
        return file;
    }

    /// <summary>Reads a file written by <see cref="StartAsync"/>: the simulator's per-plug logins.</summary>
    public static Func<PlugSettings, PlugSettings> PlugLogins(string file)
    {
        var passwords = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(file)) ?? [];
        return s => passwords.TryGetValue(s.ClientTopic, out var p) ? s with { Username = s.ClientTopic, Password = p } : s;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"embedded broker with {Accounts.Plugs.Count()} plug accounts on port {_broker.Port}");

    public async ValueTask DisposeAsync()
    {
        await _broker.DisposeAsync();
        _dir.Delete(recursive: true);
    }
}
