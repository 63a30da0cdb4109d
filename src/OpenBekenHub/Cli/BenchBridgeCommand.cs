using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
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
    public static Command Create()
    {
        var counts = new Option<string>("--counts") { Description = "Comma-separated plug counts", DefaultValueFactory = _ => "1000,10000" };
        var brokers = new Option<string>("--brokers") { Description = "Comma-separated: embedded, embedded-accounts (accounts and topic rules on), mosquitto", DefaultValueFactory = _ => "embedded,mosquitto" };
        var window = new Option<double>("--window") { Description = "HA re-announce jitter window in seconds", DefaultValueFactory = _ => 30 };
        var samples = new Option<int>("--samples") { Description = "State-change latency samples", DefaultValueFactory = _ => 500 };
        var json = new Option<bool>("--json") { Description = "Machine-readable output" };
        var existing = new Option<string?>("--existing") { Description = "host:port of a broker that already has the plugs (e.g. started with 'obkhub simulate plugs'); --counts then gives their number" };
        var command = new Command("bridge", "Benchmark the MQTT bridge with 1,000-10,000 simulated plugs (announce time, added latency, RSS)");
        foreach (var option in new Option[] { counts, brokers, window, samples, json, existing })
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
                        var result = await RunAsync(broker, n, TimeSpan.FromSeconds(r.GetValue(window)), r.GetValue(samples), Console.Error, ct);
                        results.Add(result);
                        await Console.Error.WriteLineAsync(JsonSerializer.Serialize(result));
                    }
                    catch (TimeoutException ex)
                    {
                        await Console.Error.WriteLineAsync($"bench bridge: {n} plugs on {broker} failed: {ex.Message}");
                    }
                }
            }
            if (r.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }));
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
        Console.WriteLine("| broker | plugs | adopt s | window s | birth->all configs s (half) | plain p50/p99 ms | bridge p50/p99 ms | added p50/p99 ms | hub RSS MB (peak) | simulator RSS MB |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var x in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {x.Broker} | {x.Plugs} | {x.AdoptSeconds:0.0} | {x.JitterWindowSeconds:0} | {x.BirthToAllConfigsSeconds:0.0} ({x.BirthToHalfConfigsSeconds:0.0}; {x.ConfigsAfterBirth} configs) | {x.PlainP50Ms:0.00} / {x.PlainP99Ms:0.00} | {x.BridgeP50Ms:0.00} / {x.BridgeP99Ms:0.00} | {x.AddedP50Ms:0.00} / {x.AddedP99Ms:0.00} | {x.HubRssMb:0} ({x.HubPeakRssMb:0}) | {x.SimulatorRssMb:0} |"));
        }
    }

    /// <summary>With accounts on: the probes log in as Home Assistant (reads everything, publishes its birth).</summary>
    private static (string User, string Password)? _login;

    private static (string User, string Password)? _publisherLogin;

    /// <summary>Runs one configuration: <paramref name="broker"/> is "embedded", "embedded-accounts" or "mosquitto".</summary>
    public static async Task<BenchBridgeResult> RunAsync(string broker, int plugs, TimeSpan window, int samples, TextWriter log, CancellationToken ct,
        string host = "127.0.0.1", int? existingPort = null)
    {
        ArgumentNullException.ThrowIfNull(log);
        var port = existingPort ?? FreePort();
        await using var secured = broker == "embedded-accounts" ? await BenchSecuredBroker.StartAsync(port, plugs, "obkhub-bench", ct) : null;
        await using var brokerProcess = existingPort is null && secured is null ? await StartBrokerAsync(broker, port, ct) : null;
        using var simulator = existingPort is null ? StartSimulator(plugs, port, secured?.PlugAccountsFile) : null;
        _login = secured is null ? null : (secured.Accounts.HomeAssistant.Username, secured.Accounts.HomeAssistant.Password!);
        var hubLogin = secured?.Accounts.Hub;
        _publisherLogin = hubLogin is null ? null : (hubLogin.Username, hubLogin.Password!);
        var store = new InMemoryDeviceStore();
        var ha = new HomeAssistantOptions { JitterWindow = window, HubBaseUrl = "http://obkhub.local:8080" };
        using var loggers = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b
            .AddSimpleConsole(o => o.SingleLine = true)
            .SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Warning));
        await using var bridge = new OpenBekenBridge(new BrokerEndpoint(host, port, hubLogin?.Username, hubLogin?.Password, ClientId: "obkhub-bench"), store, ha,
            loggerFactory: loggers, reconnect: new ReconnectPolicy(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(2)));
        await using var haProbe = await Probe.ConnectAsync(host, port, "homeassistant/device/+/config", ct);
        await bridge.StartAsync(ct);
        using var stopRtt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var rttLog = LogRoundTripsAsync(bridge, log, stopRtt.Token);

        var adopt = Stopwatch.StartNew();
        await WaitAsync(() => bridge.Registry.Count >= plugs, TimeSpan.FromSeconds(Math.Max(120, plugs / 25.0)), () => $"{bridge.Registry.Count}/{plugs} adopted", log, ct);
        var adoptSeconds = adopt.Elapsed.TotalSeconds;
        // the firmware sends the relay state last in its first broadcast (12th item at 1 item/s)
        await WaitAsync(() => bridge.Registry.List().All(d => d.Channels.ContainsKey(1)), TimeSpan.FromSeconds(120), () => "waiting for every relay state", log, ct);
        await WaitAsync(() => haProbe.DistinctNonEmpty() >= plugs + 1, TimeSpan.FromSeconds(120), () => $"{haProbe.DistinctNonEmpty()}/{plugs + 1} announced", log, ct);
        await Task.Delay(TimeSpan.FromSeconds(2), ct); // let the first announcement wave settle

        haProbe.Reset();
        var birth = Stopwatch.StartNew();
        var birthStart = Stopwatch.GetTimestamp();
        await haProbe.PublishAsync("homeassistant/status", "online", ct);
        await WaitAsync(() => haProbe.DistinctNonEmpty() >= plugs + 1, window + TimeSpan.FromSeconds(120), () => $"{haProbe.DistinctNonEmpty()}/{plugs + 1} re-announced (hub: {bridge.HomeAssistant.AnnouncementsCompleted} announcements done, connected {bridge.IsConnected}, connects {bridge.Connection.ConnectCount}; probe connected {haProbe.IsConnected})", log, ct);
        var birthSeconds = birth.Elapsed.TotalSeconds;
        var configs = haProbe.DistinctNonEmpty();
        var arrivals = haProbe.FirstArrivalsSince(birthStart).Order().ToList();
        var halfSeconds = arrivals[configs / 2];
        await log.WriteLineAsync("  config arrival deciles (s): " + string.Join(" ", Enumerable.Range(0, 11).Select(d => arrivals[Math.Min(arrivals.Count - 1, d * arrivals.Count / 10)].ToString("0.0", CultureInfo.InvariantCulture))));
        await Task.Delay(TimeSpan.FromSeconds(1), ct);

        var (plain, viaBridge, added) = await MeasureLatencyAsync(bridge, host, port, samples, ct);
        await stopRtt.CancelAsync();
        await rttLog;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var (rss, peak) = ReadRss(Environment.ProcessId);
        var (simRss, _) = simulator is null ? (double.NaN, double.NaN) : ReadRss(simulator.Id);
        return new BenchBridgeResult(broker, plugs, adoptSeconds, window.TotalSeconds, birthSeconds, halfSeconds, configs, plain.Count,
            Percentile(plain, 50), Percentile(plain, 99), Percentile(viaBridge, 50), Percentile(viaBridge, 99), Percentile(added, 50), Percentile(added, 99),
            rss, peak, simRss);
    }

    /// <summary>
    /// A probe client publishes a new value on a random adopted plug's <c>&lt;c&gt;/1/get</c> (what the plug would publish);
    /// a plain subscriber on the same topic and the bridge's event stream each time-stamp its arrival.
    /// </summary>
    private static async Task<(List<double> Plain, List<double> Bridge, List<double> Added)> MeasureLatencyAsync(OpenBekenBridge bridge, string host, int port, int samples, CancellationToken ct)
    {
        var devices = bridge.Registry.List();
        // stands in for the plugs; with accounts on it logs in with the hub's (unrestricted) account
        await using var publisher = await Probe.ConnectAsync(host, port, null, ct, _publisherLogin);
        await using var plainSubscriber = await Probe.ConnectAsync(host, port, "+/1/get", ct);
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

    private static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }
        var sorted = values.Order().ToList();
        var index = (int)Math.Ceiling(p / 100.0 * sorted.Count) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Count - 1)];
    }

    private static (double Rss, double Peak) ReadRss(int pid)
    {
        try
        {
            var lines = File.ReadAllLines($"/proc/{pid}/status");
            double Kb(string key) => double.Parse(lines.First(l => l.StartsWith(key, StringComparison.Ordinal)).Split(':')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            return (Kb("VmRSS") / 1024, Kb("VmHWM") / 1024);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            return (double.NaN, double.NaN);
        }
    }

    private static async Task WaitAsync(Func<bool> condition, TimeSpan timeout, Func<string> progress, TextWriter log, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        var lastLog = TimeSpan.Zero;
        while (!condition())
        {
            if (sw.Elapsed > timeout)
            {
                throw new TimeoutException($"bench bridge: gave up after {timeout.TotalSeconds:0} s: {progress()}");
            }
            if (sw.Elapsed - lastLog > TimeSpan.FromSeconds(5))
            {
                lastLog = sw.Elapsed;
                await log.WriteLineAsync($"  {progress()}");
            }
            await Task.Delay(100, ct);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The plugs run in a child "obkhub simulate plugs" process, so the hub's RSS is the hub's alone.</summary>
    private static ChildProcess StartSimulator(int plugs, int port, string? accountsFile = null)
    {
        var exe = Environment.ProcessPath ?? throw new InvalidOperationException("cannot find obkhub's own executable");
        var psi = new ProcessStartInfo(exe) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(exe) == "dotnet")
        {
            psi.ArgumentList.Add(typeof(BenchBridgeCommand).Assembly.Location);
        }
        foreach (var a in new[] { "simulate", "plugs", "--count", plugs.ToString(CultureInfo.InvariantCulture), "--broker", $"127.0.0.1:{port}" })
        {
            psi.ArgumentList.Add(a);
        }
        if (accountsFile is not null)
        {
            psi.ArgumentList.Add("--accounts");
            psi.ArgumentList.Add(accountsFile);
        }
        var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start the plug simulator");
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return new ChildProcess(process);
    }

    /// <summary>Kills the child (and its tree) on dispose.</summary>
    private sealed class ChildProcess(Process process) : IDisposable
    {
        public int Id => process.Id;

        public void Dispose()
        {
            Kill(process);
            process.WaitForExit(5000);
            process.Dispose();
        }
    }

    private static void Kill(Process p)
    {
        try
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    private static async Task<IAsyncDisposable> StartBrokerAsync(string kind, int port, CancellationToken ct)
    {
        if (kind == "embedded")
        {
            var embedded = new EmbeddedBroker(new EmbeddedBrokerOptions { Port = port, ListenOnAllInterfaces = false });
            await embedded.StartAsync(ct);
            return embedded;
        }
        if (kind != "mosquitto")
        {
            throw new ArgumentException($"unknown broker '{kind}' (embedded or mosquitto)", nameof(kind));
        }
        var dir = Directory.CreateTempSubdirectory("obkhub-bench-");
        var conf = Path.Combine(dir.FullName, "mosquitto.conf");
        await File.WriteAllTextAsync(conf, $"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_connections -1\nmax_queued_messages 100000\nlog_type error\n", ct);
        var psi = new ProcessStartInfo("mosquitto") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(conf);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start mosquitto (apt install mosquitto)");
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var sw = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port, ct);
                break;
            }
            catch (SocketException) when (sw.Elapsed < TimeSpan.FromSeconds(10) && !process.HasExited)
            {
                await Task.Delay(50, ct);
            }
        }
        return new MosquittoProcess(process, dir);
    }

    private sealed class MosquittoProcess(Process process, DirectoryInfo dir) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Kill(process);
            await process.WaitForExitAsync();
            process.Dispose();
            dir.Delete(recursive: true);
        }
    }

    /// <summary>A plain MQTTnet client that time-stamps what it receives.</summary>
    private sealed class Probe : IAsyncDisposable
    {
        private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();

        public bool IsConnected => _client.IsConnected;
        private readonly ConcurrentDictionary<string, long> _arrivals = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, long> _nonEmpty = new(StringComparer.Ordinal);

        public static async Task<Probe> ConnectAsync(string host, int port, string? filter, CancellationToken ct, (string User, string Password)? login = null)
        {
            login ??= _login;
            var probe = new Probe();
            probe._client.ApplicationMessageReceivedAsync += e =>
            {
                var now = Stopwatch.GetTimestamp();
                var payload = e.ApplicationMessage.ConvertPayloadToString() ?? "";
                probe._arrivals.TryAdd(e.ApplicationMessage.Topic + "\n" + payload, now);
                if (payload.Length > 0)
                {
                    probe._nonEmpty.TryAdd(e.ApplicationMessage.Topic, now);
                }
                return Task.CompletedTask;
            };
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            var builder = new MqttClientOptionsBuilder().WithTcpServer(host, port)
                .WithClientId("bench-" + Guid.NewGuid().ToString("N")[..8]).WithCleanSession();
            if (login is { } credentials)
            {
                builder = builder.WithCredentials(credentials.User, credentials.Password);
            }
            var options = builder.Build();
            ((MqttClientTcpOptions)options.ChannelOptions).BufferSize = 1024 * 1024; // like the bridge: the default 8 KiB throttles
            await probe._client.ConnectAsync(options, timeout.Token);
            if (filter is not null)
            {
                await probe._client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(f => f.WithTopic(filter).WithAtLeastOnceQoS()).Build(), timeout.Token);
            }
            return probe;
        }

        public int DistinctNonEmpty() => _nonEmpty.Count;

        /// <summary>Seconds from <paramref name="start"/> to the first non-empty message on each topic.</summary>
        public IEnumerable<double> FirstArrivalsSince(long start) => _nonEmpty.Values.Select(t => (t - start) / (double)Stopwatch.Frequency);

        public void Reset()
        {
            _nonEmpty.Clear();
            _arrivals.Clear();
        }

        public long ArrivalOf(string topic, string payload) => _arrivals.GetValueOrDefault(topic + "\n" + payload);

        public async Task PublishAsync(string topic, string payload, CancellationToken ct) =>
            await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);

        public async ValueTask DisposeAsync()
        {
            if (_client.IsConnected)
            {
                await _client.DisconnectAsync();
            }
            _client.Dispose();
        }
    }
}
