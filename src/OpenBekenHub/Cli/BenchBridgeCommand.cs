using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OpenBekenHub.Mqtt;
using OpenBekenHub.Mqtt.Connection;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.Events;
using OpenBekenHub.Mqtt.Options;

namespace OpenBekenHub.Cli;

/// <summary>One benchmark configuration's figures.</summary>
public sealed record BenchBridgeResult(
    string Broker,
    int Plugs,
    double AccountsSeconds,
    double AdoptSeconds,
    double JitterWindowSeconds,
    double BirthToAllConfigsSeconds,
    double BirthToHalfConfigsSeconds,
    int ConfigsAfterBirth,
    int LatencySamples,
    double PlainP50Ms,
    double PlainP99Ms,
    double BridgeP50Ms,
    double BridgeP99Ms,
    double AddedP50Ms,
    double AddedP99Ms,
    double HubRssMb,
    double HubPeakRssMb,
    double SimulatorRssMb);

/// <summary>
/// "obkhub bench bridge": N simulated plugs (in a child "obkhub simulate plugs" process) on the embedded broker (hosted
/// in this process, as the hub does) or on a Mosquitto process; the bridge in this process. Measures the time from
/// an HA birth message until every device's config has arrived at an HA-like subscriber, the latency of a state
/// change published on a plug topic until the bridge's event stream yields it against a plain subscriber on the same
/// broker, and this process's RSS. Returns the "bridge" verb; the host adds it under "bench".
/// </summary>
public static class BenchBridgeCommand
{
    /// <summary>NaN (no accounts, no simulator) is written as "NaN".</summary>
    private static readonly JsonSerializerOptions JsonOut = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static Command Create()
    {
        var counts = new Option<string>("--counts") { Description = "Comma-separated plug counts", DefaultValueFactory = _ => "1000,10000" };
        var brokers = new Option<string>("--brokers") { Description = "Comma-separated: " + Brokers, DefaultValueFactory = _ => "embedded,mosquitto" };
        var window = new Option<double>("--window") { Description = "HA re-announce jitter window in seconds", DefaultValueFactory = _ => 30 };
        var samples = new Option<int>("--samples") { Description = "State-change latency samples", DefaultValueFactory = _ => 500 };
        var json = new Option<bool>("--json") { Description = "Machine-readable output" };
        var batch = new Option<int>("--dynsec-batch") { Description = "mosquitto-dynsec: plug accounts per control message (1 = one message per plug)", DefaultValueFactory = _ => Hosting.DynSecSync.BatchSize };
        var existing = new Option<string?>("--existing") { Description = "host:port of a broker that already has the plugs (e.g. started with 'obkhub simulate plugs'); --counts then gives their number" };
        var command = new Command("bridge", "Benchmark the MQTT bridge with 1,000-10,000 simulated plugs (announce time, added latency, RSS)");
        foreach (var option in new Option[] { counts, brokers, window, samples, json, existing, batch })
        {
            command.Options.Add(option);
        }
        command.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            var results = new List<BenchBridgeResult>();
            if (r.GetValue(existing) is { } endpoint)
            {
                if (!SimulatePlugsCommand.TryParseEndpoint(endpoint, out var host, out var existingPort))
                {
                    await Console.Error.WriteLineAsync("bench bridge: --existing must be host:port");
                    return ExitCodes.Usage;
                }
                var n = int.Parse(r.GetValue(counts)!.Split(',')[0], CultureInfo.InvariantCulture);
                results.Add(await RunAsync("existing", n, TimeSpan.FromSeconds(r.GetValue(window)), r.GetValue(samples), Console.Error, ct, host, existingPort));
                Print(results);
                return ExitCodes.Ok;
            }
            foreach (var broker in r.GetValue(brokers)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                foreach (var n in r.GetValue(counts)!.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)))
                {
                    await Console.Error.WriteLineAsync($"bench bridge: {n} plugs on {broker} ...");
                    try
                    {
                        var result = await RunAsync(broker, n, TimeSpan.FromSeconds(r.GetValue(window)), r.GetValue(samples), Console.Error, ct, dynsecBatch: Math.Max(1, r.GetValue(batch)));
                        results.Add(result);
                        await Console.Error.WriteLineAsync(JsonSerializer.Serialize(result, JsonOut));
                    }
                    catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or MQTTnet.Exceptions.MqttCommunicationException)
                    {
                        await Console.Error.WriteLineAsync($"bench bridge: {n} plugs on {broker} failed: {ex.Message}");
                    }
                }
            }
            if (r.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(results, new JsonSerializerOptions(JsonOut) { WriteIndented = true }));
            }
            else
            {
                Print(results);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Print(List<BenchBridgeResult> results)
    {
        Console.WriteLine("| broker | plugs | accounts s | adopt s | window s | birth->all configs s (half) | plain p50/p99 ms | bridge p50/p99 ms | added p50/p99 ms | hub RSS MB (peak) | simulator RSS MB |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var x in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {x.Broker} | {x.Plugs} | {(double.IsNaN(x.AccountsSeconds) ? "-" : x.AccountsSeconds.ToString("0.0", CultureInfo.InvariantCulture))} | {x.AdoptSeconds:0.0} | {x.JitterWindowSeconds:0} | {x.BirthToAllConfigsSeconds:0.0} ({x.BirthToHalfConfigsSeconds:0.0}; {x.ConfigsAfterBirth} configs) | {x.PlainP50Ms:0.00} / {x.PlainP99Ms:0.00} | {x.BridgeP50Ms:0.00} / {x.BridgeP99Ms:0.00} | {x.AddedP50Ms:0.00} / {x.AddedP99Ms:0.00} | {x.HubRssMb:0} ({x.HubPeakRssMb:0}) | {x.SimulatorRssMb:0} |"));
        }
    }

    public const string Brokers = "embedded, embedded-accounts (accounts and topic rules on), mosquitto, mosquitto-dynsec (dynamic security, accounts created by the hub)";

    /// <summary>Runs one configuration: <paramref name="broker"/> is one of <see cref="Brokers"/>.</summary>
    public static async Task<BenchBridgeResult> RunAsync(string broker, int plugs, TimeSpan window, int samples, TextWriter log, CancellationToken ct,
        string host = "127.0.0.1", int? existingPort = null, int dynsecBatch = Hosting.DynSecSync.BatchSize)
    {
        ArgumentNullException.ThrowIfNull(log);
        using var loggers = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b
            .AddSimpleConsole(o => o.SingleLine = true)
            .SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Warning));
        var port = existingPort ?? BenchSupport.FreePort();
        await using var accounts = existingPort is null ? await StartBrokerAsync(broker, port, plugs, dynsecBatch, loggers, log, ct) : new BenchOpenBroker(null);
        if (!double.IsNaN(accounts.ProvisionSeconds))
        {
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  creating {plugs} plug accounts on {broker} took {accounts.ProvisionSeconds:0.0} s"));
        }
        using var simulator = existingPort is null ? BenchSupport.StartSimulator(plugs, port, accounts.PlugAccountsFile) : null;
        var hubLogin = accounts.HubLogin;
        var haLogin = accounts.HomeAssistantLogin;
        var store = new InMemoryDeviceStore();
        var ha = new HomeAssistantOptions { JitterWindow = window, HubBaseUrl = "http://obkhub.local:8080" };
        await using var bridge = new OpenBekenBridge(new BrokerEndpoint(host, port, hubLogin?.User, hubLogin?.Password, ClientId: HubClientId), store, ha,
            loggerFactory: loggers, reconnect: new ReconnectPolicy(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(2)));
        await using var haProbe = await BenchProbe.ConnectAsync(host, port, "homeassistant/device/+/config", haLogin, ct);
        await bridge.StartAsync(ct);
        using var stopRtt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var rttLog = LogRoundTripsAsync(bridge, log, stopRtt.Token);

        var adopt = Stopwatch.StartNew();
        await BenchSupport.WaitAsync(() => bridge.Registry.Count >= plugs, Bound(plugs, perThousand: 40), () => $"{bridge.Registry.Count}/{plugs} adopted", log, ct);
        var adoptSeconds = adopt.Elapsed.TotalSeconds;
        // the firmware sends the relay state last in its first broadcast (12th item at 1 item/s)
        await BenchSupport.WaitAsync(() => bridge.Registry.List().All(d => d.Channels.ContainsKey(1)), Bound(plugs, perThousand: 12), () => "waiting for every relay state", log, ct);
        await BenchSupport.WaitAsync(() => haProbe.DistinctNonEmpty() >= plugs + 1, Bound(plugs, perThousand: 12), () => $"{haProbe.DistinctNonEmpty()}/{plugs + 1} announced", log, ct);
        await Task.Delay(TimeSpan.FromSeconds(2), ct); // let the first announcement wave settle

        haProbe.Reset();
        var birth = Stopwatch.StartNew();
        var birthStart = Stopwatch.GetTimestamp();
        await haProbe.PublishAsync("homeassistant/status", "online", ct);
        await BenchSupport.WaitAsync(() => haProbe.DistinctNonEmpty() >= plugs + 1, window + Bound(plugs, perThousand: 12), () => $"{haProbe.DistinctNonEmpty()}/{plugs + 1} re-announced (hub: {bridge.HomeAssistant.AnnouncementsCompleted} announcements done, connected {bridge.IsConnected}, connects {bridge.Connection.ConnectCount}; probe connected {haProbe.IsConnected})", log, ct);
        var birthSeconds = birth.Elapsed.TotalSeconds;
        var configs = haProbe.DistinctNonEmpty();
        var arrivals = haProbe.FirstArrivalsSince(birthStart).Order().ToList();
        var halfSeconds = arrivals[configs / 2];
        await log.WriteLineAsync("  config arrival deciles (s): " + string.Join(" ", Enumerable.Range(0, 11).Select(d => arrivals[Math.Min(arrivals.Count - 1, d * arrivals.Count / 10)].ToString("0.0", CultureInfo.InvariantCulture))));
        await Task.Delay(TimeSpan.FromSeconds(1), ct);

        var (plain, viaBridge, added) = await MeasureLatencyAsync(bridge, host, port, samples, accounts.PublisherLogin, haLogin, ct);
        await stopRtt.CancelAsync();
        await rttLog;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var (rss, peak) = BenchSupport.ReadRss(Environment.ProcessId);
        var (simRss, _) = simulator is null ? (double.NaN, double.NaN) : BenchSupport.ReadRss(simulator.Id);
        return new BenchBridgeResult(broker, plugs, accounts.ProvisionSeconds, adoptSeconds, window.TotalSeconds, birthSeconds, halfSeconds, configs, plain.Count,
            BenchSupport.Percentile(plain, 50), BenchSupport.Percentile(plain, 99), BenchSupport.Percentile(viaBridge, 50), BenchSupport.Percentile(viaBridge, 99), BenchSupport.Percentile(added, 50), BenchSupport.Percentile(added, 99),
            rss, peak, simRss);
    }

    /// <summary>
    /// A probe client publishes a new value on a random adopted plug's <c>&lt;c&gt;/1/get</c> (what the plug would publish);
    /// a plain subscriber on the same topic and the bridge's event stream each time-stamp its arrival.
    /// </summary>
    private static async Task<(List<double> Plain, List<double> Bridge, List<double> Added)> MeasureLatencyAsync(OpenBekenBridge bridge, string host, int port, int samples,
        (string User, string Password)? publisherLogin, (string User, string Password)? readerLogin, CancellationToken ct)
    {
        var devices = bridge.Registry.List();
        // stands in for the plugs; with accounts on it logs in with an unrestricted account
        await using var publisher = await BenchProbe.ConnectAsync(host, port, null, publisherLogin, ct);
        await using var plainSubscriber = await BenchProbe.ConnectAsync(host, port, "+/1/get", readerLogin, ct);
        using var events = bridge.Bus.Subscribe(65536);
        var bridgeSeen = new ConcurrentDictionary<(string, int), long>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reader = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in events.ReadAllAsync(stop.Token))
                {
                    if (e is ChannelChanged cc && cc.Channel == 1)
                    {
                        bridgeSeen.TryAdd((cc.DeviceId, cc.Value), Stopwatch.GetTimestamp());
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // done
            }
        }, CancellationToken.None);
        var plain = new List<double>();
        var viaBridge = new List<double>();
        var added = new List<double>();
        var random = new Random(7);
        for (var i = 0; i < samples; i++)
        {
            var device = devices[random.Next(devices.Count)];
            var value = 1000 + i;
            var topic = ObkTopics.ChannelGet(device.ClientTopic, 1);
            var payload = value.ToString(CultureInfo.InvariantCulture);
            var t0 = Stopwatch.GetTimestamp();
            await publisher.PublishAsync(topic, payload, ct);
            var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 5);
            long tPlain = 0;
            long tBridge = 0;
            while (Stopwatch.GetTimestamp() < deadline && (tPlain == 0 || tBridge == 0))
            {
                tPlain = tPlain != 0 ? tPlain : plainSubscriber.ArrivalOf(topic, payload);
                tBridge = tBridge != 0 ? tBridge : bridgeSeen.GetValueOrDefault((device.Id, value));
                if (tPlain == 0 || tBridge == 0)
                {
                    await Task.Delay(1, ct);
                }
            }
            if (tPlain != 0 && tBridge != 0)
            {
                plain.Add(Ms(tPlain - t0));
                viaBridge.Add(Ms(tBridge - t0));
                added.Add(Ms(tBridge - tPlain));
            }
            await Task.Delay(10, ct);
        }
        await stop.CancelAsync();
        await reader;
        return (plain, viaBridge, added);

        static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
    }

    private const string HubClientId = "obkhub-bench";

    /// <summary>A wait bound that grows with the fleet: at least 2 minutes, else <paramref name="perThousand"/> seconds per 1,000 plugs.</summary>
    private static TimeSpan Bound(int plugs, double perThousand) => TimeSpan.FromSeconds(Math.Max(120, plugs * perThousand / 1000));

    private static async Task<IBenchBroker> StartBrokerAsync(string kind, int port, int plugs, int dynsecBatch, Microsoft.Extensions.Logging.ILoggerFactory loggers, TextWriter log, CancellationToken ct)
    {
        switch (kind)
        {
            case "embedded":
                var embedded = new EmbeddedBroker(new EmbeddedBrokerOptions { Port = port, ListenOnAllInterfaces = false });
                await embedded.StartAsync(ct);
                return new BenchOpenBroker(embedded);
            case "embedded-accounts":
                return await BenchSecuredBroker.StartAsync(port, plugs, HubClientId, ct);
            case "mosquitto":
                return new BenchOpenBroker(await BenchMosquitto.StartAsync(port, Directory.CreateTempSubdirectory("obkhub-bench-"), "allow_anonymous true\n", ct));
            case "mosquitto-dynsec":
                return await BenchDynSecBroker.StartAsync(port, plugs, dynsecBatch, HubClientId, loggers, log, ct);
            default:
                throw new ArgumentException($"unknown broker '{kind}' ({Brokers})", nameof(kind));
        }
    }

    /// <summary>A broker without accounts.</summary>
    private sealed class BenchOpenBroker(IAsyncDisposable? broker) : IBenchBroker
    {
        public string? PlugAccountsFile => null;

        public double ProvisionSeconds => double.NaN;

        public (string User, string Password)? HubLogin => null;

        public (string User, string Password)? HomeAssistantLogin => null;

        public (string User, string Password)? PublisherLogin => null;

        public ValueTask DisposeAsync() => broker?.DisposeAsync() ?? ValueTask.CompletedTask;
    }

    /// <summary>Every 5 s: the bridge's own QoS 1 publish round trip (a backlog in its receive path shows up here).</summary>
    private static async Task LogRoundTripsAsync(OpenBekenBridge bridge, TextWriter log, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(5), ct);
                if (!bridge.IsConnected)
                {
                    continue;
                }
                var sw = Stopwatch.StartNew();
                await bridge.Connection.PublishAsync("obkhub-bench/ping", "1", ct: ct);
                await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  bridge publish round trip {sw.Elapsed.TotalMilliseconds:0.0} ms, {bridge.Registry.Count} devices"));
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (ex is TimeoutException or MQTTnet.Exceptions.MqttCommunicationException)
            {
                await log.WriteLineAsync($"  bridge publish round trip: {ex.Message}");
            }
        }
    }
}
