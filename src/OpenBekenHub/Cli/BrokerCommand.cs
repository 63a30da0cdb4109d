using System.CommandLine;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using OpenBekenHub.Hosting;
using OpenBekenHub.Mqtt.Options;
using OpenBekenHub.Mqtt.Security;

namespace OpenBekenHub.Cli;

/// <summary>
/// "obkhub broker …": <c>ha-credentials</c> prints what to paste into Home Assistant's MQTT integration (read from the
/// data directory, so it works before the first login); <c>permit-join --minutes N</c> opens the running hub's
/// permit-join window through its API (token from <c>--token</c> or <c>OBKHUB_TOKEN</c>, created in Settings).
/// </summary>
public static class BrokerCommand
{
    public static Command Create()
    {
        var broker = new Command("broker", "The hub's MQTT broker: Home Assistant's account, the permit-join window");
        broker.Subcommands.Add(HaCredentials());
        broker.Subcommands.Add(PermitJoin());
        return broker;
    }

    private static Command HaCredentials()
    {
        var data = new Option<string>("--data") { Description = "Data directory of the hub (default ./data)", DefaultValueFactory = _ => "./data" };
        var host = new Option<string?>("--host") { Description = "Host name or address Home Assistant reaches the broker by (default: the hub's answer: the external broker, the embedded broker's bind address, or this machine's name)" };
        var json = new Option<bool>("--json") { Description = "Print {host, port, username, password} as JSON" };
        var command = new Command("ha-credentials", "Print the MQTT broker, username and password to paste into Home Assistant's MQTT integration")
        {
            // the hub's own configuration keys (--Mqtt:Embedded:Port 1884, --Mqtt:Host …) as the hub takes them
            TreatUnmatchedTokensAsErrors = false,
        };
        foreach (var option in new Option[] { data, host, json })
        {
            command.Options.Add(option);
        }
        command.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            var dataDirectory = Path.GetFullPath(r.GetValue(data)!);
            var path = Path.Combine(dataDirectory, BrokerAccounts.FileName);
            if (!File.Exists(path))
            {
                await Console.Error.WriteLineAsync($"broker ha-credentials: {path} does not exist yet; start the hub once with this --data directory.");
                return ExitCodes.Configuration;
            }
            BrokerAccounts accounts;
            try
            {
                accounts = BrokerAccounts.ReadExisting(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
            {
                await Console.Error.WriteLineAsync($"broker ha-credentials: cannot read {path}: {ex.Message}");
                return ExitCodes.Failure;
            }
            MqttOptions mqtt;
            try
            {
                mqtt = HubConfiguration(dataDirectory, [.. r.UnmatchedTokens]).GetSection(MqttOptions.SectionName).Get<MqttOptions>() ?? new MqttOptions();
            }
            catch (Exception ex) when (ConfigurationErrors.Describe(ex) is { } line)
            {
                await Console.Error.WriteLineAsync($"broker ha-credentials: configuration error: {line}");
                return ExitCodes.Configuration;
            }
            var account = BrokerAdmin.HomeAssistantFor(mqtt, boundPort: null, accounts, r.GetValue(host));
            if (r.GetValue(host) is { } explicitHost)
            {
                // the caller knows the name Home Assistant reaches the broker by (compose: HA on the host network, not "mosquitto")
                account = account with { Host = explicitHost };
            }
            if (r.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(account, JsonSerializerOptions.Web));
            }
            else
            {
                Console.WriteLine("Home Assistant → Settings → Devices & services → Add integration → MQTT:");
                Console.WriteLine($"  Broker:   {account.Host}");
                Console.WriteLine($"  Port:     {account.Port.ToString(CultureInfo.InvariantCulture)}");
                Console.WriteLine($"  Username: {account.Username}");
                Console.WriteLine($"  Password: {account.Password}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// The hub's configuration layers, in the hub's order (<see cref="HubApp.Build"/>): appsettings.json, OBKHUB__
    /// variables, arguments, then the pages' settings.json in the data directory, variables and arguments again.
    /// </summary>
    private static IConfiguration HubConfiguration(string dataDirectory, string[] args) => new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
        .AddEnvironmentVariables(HubApp.EnvironmentPrefix)
        .AddCommandLine(args)
        .AddJsonFile(Path.Combine(dataDirectory, UserSettingsFile.FileName), optional: true)
        .AddEnvironmentVariables(HubApp.EnvironmentPrefix)
        .AddCommandLine(args)
        .Build();

    private static Command PermitJoin()
    {
        var minutes = new Option<int>("--minutes") { Description = "Minutes the window stays open (0 closes it)", DefaultValueFactory = _ => 5 };
        var hub = new Option<string>("--hub") { Description = "The running hub's URL", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var token = new Option<string?>("--token") { Description = "API token (default: OBKHUB_TOKEN)" };
        var command = new Command("permit-join", "Let unknown plugs join for N minutes: each gets its own account and is moved to it");
        foreach (var option in new Option[] { minutes, hub, token })
        {
            command.Options.Add(option);
        }
        command.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            var bearer = r.GetValue(token) ?? Environment.GetEnvironmentVariable("OBKHUB_TOKEN");
            if (string.IsNullOrEmpty(bearer))
            {
                await Console.Error.WriteLineAsync("broker permit-join: give an API token with --token or OBKHUB_TOKEN (Settings → API tokens).");
                return ExitCodes.Usage;
            }
            using var http = new HttpClient { BaseAddress = new Uri(r.GetValue(hub)!), Timeout = TimeSpan.FromSeconds(15) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            try
            {
                using var response = await http.PostAsJsonAsync("/api/broker/permit-join", new { minutes = r.GetValue(minutes) }, ct);
                if (!response.IsSuccessStatusCode)
                {
                    await Console.Error.WriteLineAsync($"broker permit-join: the hub answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
                    return ExitCodes.Failure;
                }
                var state = await response.Content.ReadFromJsonAsync<BrokerState>(JsonSerializerOptions.Web, ct);
                Console.WriteLine(state?.PermitJoinUntil is { } until
                    ? $"Permit-join open until {until.ToLocalTime():HH:mm:ss}: plugs that connect now get their own account."
                    : "Permit-join closed.");
                return ExitCodes.Ok;
            }
            catch (HttpRequestException ex)
            {
                await Console.Error.WriteLineAsync($"broker permit-join: cannot reach the hub at {r.GetValue(hub)}: {ex.Message}");
                return ExitCodes.Failure;
            }
        });
        return command;
    }
}
