using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using OpenBekenHub.Hosting;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Simulators.Plugs;

namespace OpenBekenHub.Cli;

/// <summary>
/// <c>obkhub bench pages</c>: a real hub (Kestrel, embedded broker, SQLite) with N simulated plugs adopted, then each
/// page fetched repeatedly over HTTP by a logged-in client: server time (median, p95) and page weight.
/// </summary>
public static partial class BenchPagesCommand
{
    public static Command Create()
    {
        var command = new Command("pages", "Benchmark page render time and weight with N simulated devices");
        var devices = new Option<int>("--devices") { Description = "Simulated plugs", DefaultValueFactory = _ => 1000 };
        var rounds = new Option<int>("--rounds") { Description = "Requests per page", DefaultValueFactory = _ => 30 };
        command.Options.Add(devices);
        command.Options.Add(rounds);
        command.SetAction(async (parse, ct) => await RunAsync(parse.GetValue(devices), parse.GetValue(rounds), Console.Out, ct));
        return command;
    }

    public static async Task<int> RunAsync(int deviceCount, int rounds, TextWriter output, CancellationToken ct)
    {
        var data = Path.Combine(Path.GetTempPath(), "obkhub-bench-pages-" + Guid.NewGuid().ToString("N")[..8]);
        var httpPort = FreeTcpPort();
        const string password = "bench-password-123";
        await using var app = HubApp.Build([$"--urls=http://127.0.0.1:{httpPort}", $"--Hub:DataDirectory={data}", $"--Hub:AdminPassword={password}",
            "--Mqtt:Embedded:Port=0", "--Mqtt:Embedded:ListenOnAllInterfaces=false", "--Hub:LogLevel=Warning"]);
        await app.StartAsync(ct);
        try
        {
            var broker = app.Services.GetRequiredService<EmbeddedBrokerService>().Broker!;
            await using var fleet = await PlugFleet.StartAsync("127.0.0.1", broker.Port, deviceCount,
                new PlugFleetOptions { PowerMeterEvery = 2, BroadcastItemsPerSecond = 20, Customize = Demo.SimulatedPlugAccounts.Issue(app.Services, "bench") }, cancellationToken: ct);
            var registry = app.Services.GetRequiredService<OpenBekenHub.Mqtt.State.DeviceStateStore>();
            var adopt = Stopwatch.StartNew();
            var lastReport = TimeSpan.Zero;
            while (registry.Count < deviceCount && adopt.Elapsed < TimeSpan.FromMinutes(3))
            {
                await Task.Delay(200, ct);
                if (adopt.Elapsed - lastReport > TimeSpan.FromSeconds(10))
                {
                    lastReport = adopt.Elapsed;
                    await output.WriteLineAsync($"  {adopt.Elapsed.TotalSeconds:0} s: {fleet.ConnectedCount} plugs connected, {registry.Count} adopted");
                }
            }
            await output.WriteLineAsync($"{registry.Count} devices adopted in {adopt.Elapsed.TotalSeconds:0.0} s");
            if (registry.Count < deviceCount)
            {
                await output.WriteLineAsync($"bench pages: only {registry.Count} of {deviceCount} plugs were adopted; no figures");
                return 1;
            }

            using var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
            {
                BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"),
            };
            var login = await client.GetStringAsync("/login", ct);
            var token = WebUtility.HtmlDecode(TokenRegex().Match(login).Groups[1].Value);
            await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Username"] = "admin", ["Password"] = password, ["__RequestVerificationToken"] = token,
            }), ct);

            await output.WriteLineAsync($"{"page",-22} {"median ms",10} {"p95 ms",8} {"bytes",10} {"gzip-able",10}");
            foreach (var page in new[] { "/", "/api/devices", $"/devices/{registry.List()[0].Id}", "/flash", "/settings" })
            {
                var times = new List<double>();
                var bytes = 0;
                for (var i = 0; i < rounds; i++)
                {
                    var sw = Stopwatch.StartNew();
                    var body = await client.GetByteArrayAsync(page, ct);
                    times.Add(sw.Elapsed.TotalMilliseconds);
                    bytes = body.Length;
                }
                times.Sort();
                var compressed = Compressed(await client.GetByteArrayAsync(page, ct));
                await output.WriteLineAsync($"{page,-22} {times[times.Count / 2],10:0.0} {times[(int)(times.Count * 0.95)],8:0.0} {bytes,10:N0} {compressed,10:N0}");
            }
            return 0;
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    private static int Compressed(byte[] body)
    {
        using var ms = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(ms, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(body);
        }
        return (int)ms.Length;
    }

    private static int FreeTcpPort()
    {
        using var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenRegex();
}
