using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using OpenBekenHub.Mqtt.Connection;
using OpenBekenHub.Mqtt.Options;
using OpenBekenHub.Mqtt.Security;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Mqtt.Tests.Security;

/// <summary>The embedded broker with accounts on a free loopback port, its log lines recorded, plus the mosquitto command-line clients.</summary>
public sealed class SecuredBroker : IAsyncDisposable
{
    private readonly TempDir _dir = new("secured");

    private SecuredBroker(BrokerAccounts accounts, EmbeddedBroker broker, RecordingLogger log)
    {
        Accounts = accounts;
        Broker = broker;
        Log = log;
    }

    public BrokerAccounts Accounts { get; }

    public EmbeddedBroker Broker { get; }

    public RecordingLogger Log { get; }

    public BrokerGate Gate => Broker.Gate!;

    public string Port => Broker.Port.ToString(CultureInfo.InvariantCulture);

    public static async Task<SecuredBroker> StartAsync(EmbeddedBrokerOptions? options = null)
    {
        var log = new RecordingLogger();
        var accounts = BrokerAccounts.Open(null, configuredClientId: null); // the install's own generated client id
        var gate = new BrokerGate(accounts, logger: log);
        var broker = new EmbeddedBroker(options ?? new EmbeddedBrokerOptions { Port = 0, ListenOnAllInterfaces = false }, log, gate);
        await broker.StartAsync();
        return new SecuredBroker(accounts, broker, log);
    }

    /// <summary>Runs mosquitto_pub (or _sub) to the end; returns its exit code and output.</summary>
    public async Task<(int Code, string Output)> RunAsync(string tool, params string[] args)
    {
        await using var process = Start(tool, args);
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        return (code, process.Output);
    }

    public ExternalProcess Start(string tool, params string[] args) =>
        ExternalProcess.Start(tool, ["-h", "127.0.0.1", "-p", Port, .. args]);

    public string[] As(BrokerAccount account, string password) => ["-u", account.Username, "-P", password, .. account.ClientId is null ? Array.Empty<string>() : ["-i", account.ClientId]];

    public string[] AsHomeAssistant() => ["-u", Accounts.HomeAssistant.Username, "-P", Accounts.HomeAssistant.Password!];

    public async ValueTask DisposeAsync()
    {
        await Broker.DisposeAsync();
        _dir.Dispose();
    }
}

/// <summary>Keeps every log line, so tests can check that an attack was logged.</summary>
public sealed class RecordingLogger : ILogger<EmbeddedBroker>
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Enqueue((logLevel, formatter(state, exception)));

    public bool Has(LogLevel level, string text) => Lines.Any(l => l.Level == level && l.Message.Contains(text, StringComparison.Ordinal));
}
