using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenBekenHub.Hosting;
using OpenBekenHub.Mqtt.Options;
using OpenBekenHub.Mqtt.Security;
using OpenBekenHub.Simulators.Plugs;

namespace OpenBekenHub.Cli;

/// <summary>
/// "bench bridge --brokers mosquitto-dynsec": Mosquitto with its dynamic-security plugin and no anonymous access, the
/// admin initialised as the compose stack's mosquitto-init does (a generated secret, <c>mosquitto_ctrl dynsec init</c>);
/// the hub's, Home Assistant's and every plug's client and role created by the hub's own <see cref="DynSecSync"/>.
/// </summary>
internal sealed class BenchDynSecBroker : IBenchBroker
{
    private readonly BenchMosquitto _mosquitto;

    private BenchDynSecBroker(BenchMosquitto mosquitto, BrokerAccounts accounts, string plugFile, double provisionSeconds, BrokerAccount publisher, string publisherPassword)
    {
        _mosquitto = mosquitto;
        Accounts = accounts;
        PlugAccountsFile = plugFile;
        ProvisionSeconds = provisionSeconds;
        PublisherLogin = (publisher.Username, publisherPassword);
    }

    public BrokerAccounts Accounts { get; }

    public string? PlugAccountsFile { get; }

    public double ProvisionSeconds { get; }

    public (string User, string Password)? HubLogin => (Accounts.Hub.Username, Accounts.Hub.Password!);

    public (string User, string Password)? HomeAssistantLogin => (Accounts.HomeAssistant.Username, Accounts.HomeAssistant.Password!);

    /// <summary>The hub's client is bound to the hub's client id, so the latency publisher has its own unbound client with the hub's role.</summary>
    public (string User, string Password)? PublisherLogin { get; }

    public static async Task<BenchDynSecBroker> StartAsync(int port, int plugs, int batchSize, string hubClientId, ILoggerFactory loggers, TextWriter log, CancellationToken ct)
    {
        var plugin = BenchMosquitto.DynSecPluginPaths.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("mosquitto_dynamic_security.so not found (apt install mosquitto)");
        var dir = Directory.CreateTempSubdirectory("obkhub-bench-dynsec-");
        BenchMosquitto? mosquitto = null;
        try
        {
            // as deploy/mosquitto/init-dynsec.sh: 24 letters and digits, then mosquitto_ctrl writes the config with that admin
            var secret = RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 24);
            var config = Path.Combine(dir.FullName, "dynamic-security.json");
            await RunAsync("mosquitto_ctrl", ["dynsec", "init", config, "admin", secret], ct);
            mosquitto = await BenchMosquitto.StartAsync(port, dir,
                $"allow_anonymous false\nplugin {plugin}\nplugin_opt_config_file {config}\nuser {Environment.UserName}\n", ct);

            var accounts = BrokerAccounts.Open(null, hubClientId);
            var options = Options.Create(new MqttOptions { Host = "127.0.0.1", Port = port, DynSec = new DynSecOptions { Username = "admin", Password = secret } });
            using var sync = new DynSecSync(options, accounts, loggers.CreateLogger<DynSecSync>());
            var sw = Stopwatch.StartNew();
            await sync.EnsureHubAccountsAsync(ct);
            var issued = accounts.IssuePlugs(Enumerable.Range(0, plugs).Select(i => PlugSettings.ForIndex(i, "127.0.0.1", port))
                .Select(s => (s.ClientTopic, (string?)s.FriendlyName, (string?)s.GroupTopic)), "bench");
            var (reported, done) = (TimeSpan.Zero, 0);
            foreach (var chunk in issued.Chunk(500))
            {
                await sync.PushPlugsAsync(chunk, ct, batchSize);
                done += chunk.Length;
                if (sw.Elapsed - reported > TimeSpan.FromSeconds(5))
                {
                    reported = sw.Elapsed;
                    await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  dynsec: {done}/{plugs} plug clients after {sw.Elapsed.TotalSeconds:0} s"));
                }
            }
            var provision = sw.Elapsed.TotalSeconds;
            var publisher = new BrokerAccount { Username = "bench-publisher", Kind = AccountKind.Hub, Source = "bench" };
            var publisherPassword = BrokerAccounts.NewSecret();
            await sync.PushAccountAsync(publisher, publisherPassword, ct);
            await sync.StopAsync(ct);
            var file = await BenchSecuredBroker.WritePlugFileAsync(dir, issued, ct);
            return new BenchDynSecBroker(mosquitto, accounts, file, provision, publisher, publisherPassword);
        }
        catch
        {
            if (mosquitto is not null)
            {
                await mosquitto.DisposeAsync();
            }
            else
            {
                dir.Delete(recursive: true);
            }
            throw;
        }
    }

    private static async Task RunAsync(string tool, string[] args, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(tool) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {tool}");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} failed ({process.ExitCode}): {(await stderr).Trim()}");
        }
    }

    public ValueTask DisposeAsync() => _mosquitto.DisposeAsync();
}
