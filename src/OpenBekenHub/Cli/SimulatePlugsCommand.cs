using System.CommandLine;
using System.Globalization;
using OpenBekenHub.Simulators.Plugs;

namespace OpenBekenHub.Cli;

/// <summary>
/// "obkhub simulate plugs --count N [--broker host:port]": runs N simulated OpenBeken plugs (one scheduler loop,
/// one MQTT client each) until Ctrl+C. Used for demos and by "obkhub bench bridge" as the plug process.
/// Returns the "plugs" verb; the host adds it under "simulate".
/// </summary>
public static class SimulatePlugsCommand
{
    public static Command Create()
    {
        var count = new Option<int>("--count") { Description = "Number of plugs", DefaultValueFactory = _ => 10 };
        var broker = new Option<string>("--broker") { Description = "MQTT broker as host:port", DefaultValueFactory = _ => "127.0.0.1:1883" };
        var username = new Option<string?>("--username") { Description = "MQTT username of the plugs" };
        var password = new Option<string?>("--password") { Description = "MQTT password of the plugs" };
        var meterEvery = new Option<int>("--meter-every") { Description = "Every n-th plug has a power meter (0 = none)", DefaultValueFactory = _ => 2 };
        var firstIndex = new Option<int>("--first-index") { Description = "First plug index (MACs 02:0b:<index>); use distinct ranges for several processes", DefaultValueFactory = _ => 0 };
        var httpPort = new Option<int>("--http-port") { Description = "Serve the /cm JSON API on this port, each plug on its own loopback address 127.1.x.y (0 = off)", DefaultValueFactory = _ => 0 };
        var rate = new Option<double>("--broadcast-rate") { Description = "Full-broadcast items per second (firmware: 1)", DefaultValueFactory = _ => 1.0 };
        var retain = new Option<bool>("--retain-relays") { Description = "Set flag 21 (retain relay channel publishes)" };
        var accounts = new Option<string?>("--accounts") { Description = "JSON file {clientTopic: password}: each plug logs in with its own account" };
        var command = new Command("plugs", "Run simulated OpenBeken plugs against an MQTT broker until Ctrl+C");
        foreach (var option in new Option[] { count, broker, username, password, meterEvery, firstIndex, httpPort, rate, retain, accounts })
        {
            command.Options.Add(option);
        }
        command.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            if (!TryParseEndpoint(r.GetValue(broker)!, out var host, out var port))
            {
                await Console.Error.WriteLineAsync("simulate plugs: --broker must be host:port, e.g. 127.0.0.1:1883");
                return ExitCodes.Usage;
            }
            var n = r.GetValue(count);
            if (n is < 1 or > 100_000)
            {
                await Console.Error.WriteLineAsync("simulate plugs: --count must be 1-100000");
                return ExitCodes.Usage;
            }
            var http = r.GetValue(httpPort);
            var flags = (1UL << 10) | (r.GetValue(retain) ? 1UL << 21 : 0);
            var first = r.GetValue(firstIndex);
            var options = new PlugFleetOptions
            {
                PowerMeterEvery = r.GetValue(meterEvery),
                FirstIndex = first,
                Username = r.GetValue(username),
                Password = r.GetValue(password),
                Flags = flags,
                BroadcastItemsPerSecond = r.GetValue(rate),
                Customize = Combine(http == 0 ? null : s => s with { HttpPort = http, Ip = LoopbackAddress(s) },
                    r.GetValue(accounts) is { } file ? BenchSecuredBroker.PlugLogins(file) : null),
            };
            await using var fleet = await PlugFleet.StartAsync(host, port, n, options, cancellationToken: ct);
            await Console.Error.WriteLineAsync($"simulate plugs: {n} plugs -> {host}:{port} (Ctrl+C to stop)");
            var last = -1;
            try
            {
                while (!ct.IsCancellationRequested)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                    var connected = fleet.ConnectedCount;
                    if (connected != last)
                    {
                        last = connected;
                        await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"simulate plugs: {connected}/{n} connected"));
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Func<PlugSettings, PlugSettings>? Combine(Func<PlugSettings, PlugSettings>? a, Func<PlugSettings, PlugSettings>? b) =>
        a is null ? b : b is null ? a : s => b(a(s));

    /// <summary>127.1.x.y derived from the plug's MAC, so every plug has its own address for its HTTP server.</summary>
    private static string LoopbackAddress(PlugSettings s)
    {
        var parts = s.Mac.Split(':');
        var index = int.Parse(parts[4], NumberStyles.HexNumber, CultureInfo.InvariantCulture) * 256 + int.Parse(parts[5], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture, $"127.1.{index / 250}.{(index % 250) + 1}");
    }

    internal static bool TryParseEndpoint(string text, out string host, out int port)
    {
        host = "";
        port = 0;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            return false;
        }
        host = text[..colon];
        return true;
    }
}
