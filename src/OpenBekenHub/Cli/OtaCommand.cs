using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OpenBekenHub.Cli;

/// <summary>
/// <c>obkhub ota list|start|status|pause|resume|abort</c>: the running hub's rollouts over its REST API, with an API
/// token (<c>--token</c> or <c>OBKHUB_TOKEN</c>, created in Settings), so the CLI and the pages drive one service.
/// </summary>
public static class OtaCommand
{
    public static Command Create()
    {
        var hub = new Option<string>("--hub") { Description = "Hub base URL", DefaultValueFactory = _ => "http://127.0.0.1:8080", Recursive = true };
        var token = new Option<string?>("--token") { Description = "API token (obk_…); default $OBKHUB_TOKEN", Recursive = true };
        var command = new Command("ota", "OTA rollouts on a running hub: list, start, status, pause, resume, abort");
        command.Options.Add(hub);
        command.Options.Add(token);

        var list = new Command("list", "Rollouts, newest first, with result counts");
        list.SetAction(async (p, ct) => await RunAsync(p.GetValue(hub)!, p.GetValue(token), async api =>
        {
            foreach (var r in (await api.GetFromJsonAsync<JsonArray>("/api/rollouts", ct))!)
            {
                var counts = r!["devices"]!.AsArray().GroupBy(d => d!["result"]!.GetValue<string>()).Select(g => $"{g.Count()} {g.Key}");
                Console.WriteLine($"{r["id"]}  {r["state"],-9}  {r["settings"]!["firmwareName"]}  {string.Join(", ", counts)}");
            }
            return 0;
        }));

        var firmware = new Option<string>("--firmware") { Description = "Firmware id (.rbl) from the library", Required = true };
        var devices = new Option<string?>("--devices") { Description = "Comma-separated device ids (default: all eligible)" };
        var waves = new Option<string?>("--waves") { Description = "e.g. 1,10%,rest (the default)" };
        var concurrency = new Option<int?>("--concurrency") { Description = "Plugs at a time (default 5)" };
        var threshold = new Option<double?>("--failure-threshold") { Description = "Share of a wave that stops the rollout (default 0.5)" };
        var timeout = new Option<int?>("--device-timeout") { Description = "Seconds per plug (default 300)" };
        var start = new Command("start", "Start a rollout and print its id") { firmware, devices, waves, concurrency, threshold, timeout };
        start.SetAction(async (p, ct) => await RunAsync(p.GetValue(hub)!, p.GetValue(token), async api =>
        {
            var body = new JsonObject { ["firmwareId"] = p.GetValue(firmware) };
            if (p.GetValue(devices) is { } d)
            {
                body["devices"] = new JsonArray([.. d.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(x => JsonValue.Create(x))]);
            }
            if (p.GetValue(waves) is { } w)
            {
                body["waves"] = new JsonArray([.. w.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(x => int.TryParse(x, out var n) ? JsonValue.Create(n) : (JsonNode?)JsonValue.Create(x))]);
            }
            body["concurrency"] = p.GetValue(concurrency);
            body["failureThreshold"] = p.GetValue(threshold);
            body["deviceTimeoutSeconds"] = p.GetValue(timeout);
            using var response = await api.PostAsJsonAsync("/api/rollouts", body, ct);
            return await PrintAsync(response, ct);
        }));

        var id = new Argument<string>("id") { Description = "Rollout id" };
        var status = new Command("status", "One rollout: state and every plug's result") { id };
        status.SetAction(async (p, ct) => await RunAsync(p.GetValue(hub)!, p.GetValue(token), async api =>
        {
            var r = await api.GetFromJsonAsync<JsonObject>($"/api/rollouts/{Uri.EscapeDataString(p.GetValue(id)!)}", ct);
            Console.WriteLine($"{r!["id"]}  {r["state"]}  {r["note"]}");
            foreach (var d in r["devices"]!.AsArray())
            {
                var progress = d!["bytesTotal"] is { } total ? $" {d["bytesServed"]}/{total} B" : "";
                Console.WriteLine($"  {d["id"],-18} wave {d["wave"]}  {d["result"],-8}{progress}  {d["fromVersion"]} -> {d["toVersion"]}  {d["reason"]}");
            }
            return 0;
        }));
        command.Subcommands.Add(list);
        command.Subcommands.Add(start);
        command.Subcommands.Add(status);
        foreach (var verb in new[] { "pause", "resume", "abort" })
        {
            var target = new Argument<string>("id") { Description = "Rollout id" };
            var change = new Command(verb, $"{char.ToUpperInvariant(verb[0])}{verb[1..]} a rollout") { target };
            change.SetAction(async (p, ct) => await RunAsync(p.GetValue(hub)!, p.GetValue(token), async api =>
            {
                using var response = await api.PostAsync($"/api/rollouts/{Uri.EscapeDataString(p.GetValue(target)!)}/{verb}", null, ct);
                return await PrintAsync(response, ct);
            }));
            command.Subcommands.Add(change);
        }
        return command;
    }

    private static async Task<int> RunAsync(string hub, string? token, Func<HttpClient, Task<int>> work)
    {
        token ??= Environment.GetEnvironmentVariable("OBKHUB_TOKEN");
        if (string.IsNullOrWhiteSpace(token))
        {
            await Console.Error.WriteLineAsync("ota: an API token is needed (--token or OBKHUB_TOKEN; create one in Settings)");
            return 2;
        }
        using var api = new HttpClient { BaseAddress = new Uri(hub), Timeout = TimeSpan.FromSeconds(30) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        try
        {
            return await work(api);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            await Console.Error.WriteLineAsync($"ota: {hub}: {ex.Message}");
            return 1;
        }
    }

    private static async Task<int> PrintAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            await Console.Error.WriteLineAsync($"ota: {(int)response.StatusCode} {text}");
            return 1;
        }
        Console.WriteLine(text.Length > 0 ? text : $"{(int)response.StatusCode}");
        return 0;
    }
}
