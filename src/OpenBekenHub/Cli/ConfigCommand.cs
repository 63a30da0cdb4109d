using System.CommandLine;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace OpenBekenHub.Cli;

/// <summary>
/// <c>obkhub config backup|list|diff|restore|export|import</c>: a thin client of a running hub's REST API
/// (<c>--hub</c>, default http://127.0.0.1:8080, and an API token from Settings in <c>--token</c> or OBKHUB_TOKEN).
/// </summary>
public static class ConfigCommand
{
    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true };

    private sealed record Common(Option<string> Hub, Option<string?> Token, Option<bool> Json)
    {
        public static Common AddTo(Command command)
        {
            var c = new Common(
                new Option<string>("--hub") { Description = "The hub's address", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("OBKHUB_URL") ?? "http://127.0.0.1:8080" },
                new Option<string?>("--token") { Description = "API token (Settings → API tokens); default $OBKHUB_TOKEN" },
                new Option<bool>("--json") { Description = "Print the hub's JSON reply" });
            command.Options.Add(c.Hub);
            command.Options.Add(c.Token);
            command.Options.Add(c.Json);
            return c;
        }

        public HttpClient Client(ParseResult parse)
        {
            var token = parse.GetValue(Token) ?? Environment.GetEnvironmentVariable("OBKHUB_TOKEN");
            if (string.IsNullOrEmpty(token))
            {
                throw new ArgumentException("An API token is needed: create one in Settings and pass --token or set OBKHUB_TOKEN.");
            }
            var client = new HttpClient { BaseAddress = new Uri(parse.GetValue(Hub)!), Timeout = TimeSpan.FromMinutes(5) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return client;
        }
    }

    public static Command Create()
    {
        var config = new Command("config", "Plug configuration backups on a running hub: backup, list, diff, restore, export, import");
        config.Subcommands.Add(Backup());
        config.Subcommands.Add(List());
        config.Subcommands.Add(Diff());
        config.Subcommands.Add(Restore());
        config.Subcommands.Add(Export());
        config.Subcommands.Add(Import());
        return config;
    }

    private static Command Backup()
    {
        var command = new Command("backup", "Back up now (every online plug, or --device ...); a version is stored only when something changed");
        var c = Common.AddTo(command);
        var devices = new Option<string[]>("--device") { Description = "Device id (repeatable)", AllowMultipleArgumentsPerToken = true };
        command.Options.Add(devices);
        command.SetAction((parse, ct) => RunAsync(parse, c, async http =>
        {
            var ids = parse.GetValue(devices);
            var reply = await SendAsync(http, HttpMethod.Post, "/api/configs/backup", JsonContent.Create(new { devices = ids is { Length: > 0 } ? ids : null }), ct);
            var rows = reply.AsArray();
            Print(parse, c, reply, () =>
            {
                var table = new Table().AddColumns("Device", "Outcome", "Version", "Error");
                foreach (var r in rows)
                {
                    table.AddRow(Esc(r?["name"]), Esc(r?["outcome"]), Esc(r?["version"]), Esc(r?["error"]));
                }
                AnsiConsole.Write(table);
            });
            return rows.Any(r => r?["outcome"]?.GetValue<string>() == "failed") ? ExitCodes.Failure : ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "Plugs with their newest version, or one plug's versions (--device)");
        var c = Common.AddTo(command);
        var device = new Option<string?>("--device") { Description = "Device id" };
        command.Options.Add(device);
        command.SetAction((parse, ct) => RunAsync(parse, c, async http =>
        {
            var id = parse.GetValue(device);
            var reply = await SendAsync(http, HttpMethod.Get, id is null ? "/api/configs" : $"/api/configs/{Uri.EscapeDataString(id)}/versions", null, ct);
            Print(parse, c, reply, () =>
            {
                var table = id is null ? new Table().AddColumns("Device", "Name", "Online", "Newest", "Last check") : new Table().AddColumns("Version", "Created", "Source", "Build");
                foreach (var r in reply.AsArray())
                {
                    if (id is null)
                    {
                        table.AddRow(Esc(r?["deviceId"]), Esc(r?["name"]), Esc(r?["online"]), Esc(r?["latestVersion"]), Esc(r?["lastCheck"]?["outcome"]));
                    }
                    else
                    {
                        table.AddRow(Esc(r?["version"]), Esc(r?["created"]), Esc(r?["source"]), Esc(r?["build"]));
                    }
                }
                AnsiConsole.Write(table);
            });
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Diff()
    {
        var command = new Command("diff", "What changed between two versions of a plug's configuration");
        var c = Common.AddTo(command);
        var device = new Option<string>("--device") { Description = "Device id", Required = true };
        var from = new Option<int>("--from") { Description = "Older version", Required = true };
        var to = new Option<int>("--to") { Description = "Newer version", Required = true };
        command.Options.Add(device);
        command.Options.Add(from);
        command.Options.Add(to);
        command.SetAction((parse, ct) => RunAsync(parse, c, async http =>
        {
            var reply = await SendAsync(http, HttpMethod.Get, string.Create(CultureInfo.InvariantCulture,
                $"/api/configs/{Uri.EscapeDataString(parse.GetValue(device)!)}/diff?from={parse.GetValue(from)}&to={parse.GetValue(to)}"), null, ct);
            Print(parse, c, reply, () =>
            {
                foreach (var change in reply.AsArray())
                {
                    Console.Out.WriteLine($"{change?["kind"]} {change?["item"]}");
                    if (change?["lines"] is JsonArray lines)
                    {
                        foreach (var l in lines.Where(l => l?["mark"]?.GetValue<string>() != " "))
                        {
                            Console.Out.WriteLine($"  {l?["mark"]} {l?["text"]}");
                        }
                    }
                    else
                    {
                        Console.Out.WriteLine($"  - {change?["old"]}\n  + {change?["new"]}");
                    }
                }
            });
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Restore()
    {
        var command = new Command("restore", "Write a version onto the plug, or onto a replacement (--target), read it back and restart");
        var c = Common.AddTo(command);
        var device = new Option<string>("--device") { Description = "Device id the version belongs to", Required = true };
        var version = new Option<int>("--version") { Description = "Version number", Required = true };
        var target = new Option<string?>("--target") { Description = "Replacement plug's device id (keeps the original's HA unique ids)" };
        var noRestart = new Option<bool>("--no-restart") { Description = "Do not restart the plug afterwards" };
        foreach (var o in new Option[] { device, version, target, noRestart })
        {
            command.Options.Add(o);
        }
        command.SetAction((parse, ct) => RunAsync(parse, c, async http =>
        {
            var reply = await SendAsync(http, HttpMethod.Post,
                string.Create(CultureInfo.InvariantCulture, $"/api/configs/{Uri.EscapeDataString(parse.GetValue(device)!)}/versions/{parse.GetValue(version)}/restore"),
                JsonContent.Create(new { target = parse.GetValue(target), restart = !parse.GetValue(noRestart) }), ct, acceptBadGateway: true);
            var ok = reply["ok"]?.GetValue<bool>() == true;
            Print(parse, c, reply, () =>
            {
                foreach (var s in reply["steps"]?.AsArray() ?? [])
                {
                    Console.Out.WriteLine($"{s?["outcome"],-9} {s?["item"]} {s?["detail"]}");
                }
                Console.Out.WriteLine(ok ? "Restored and verified." + (reply["restarted"]?.GetValue<bool>() == true ? " The plug restarts." : "") : "Not restored: " + reply["error"]);
            });
            return ok ? ExitCodes.Ok : ExitCodes.Failure;
        }, ct));
        return command;
    }

    private static Command Export()
    {
        var command = new Command("export", "Every version and alias as one JSON file (texts mentioning a password are encrypted)");
        var c = Common.AddTo(command);
        var output = new Option<string>("--out", "-o") { Description = "Output file", Required = true };
        command.Options.Add(output);
        command.SetAction((parse, ct) => RunAsync(parse, c, async http =>
        {
            using var response = await http.GetAsync("/api/configs/export", ct);
            await EnsureAsync(response, false, ct);
            await File.WriteAllBytesAsync(parse.GetValue(output)!, await response.Content.ReadAsByteArrayAsync(ct), ct);
            Console.Out.WriteLine($"Exported to {parse.GetValue(output)}.");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Import()
    {
        var command = new Command("import", "Merge an export into the hub (existing versions are kept)");
        var c = Common.AddTo(command);
        var file = new Option<string>("--file", "-f") { Description = "Export file", Required = true };
        command.Options.Add(file);
        command.SetAction((parse, ct) => RunAsync(parse, c, async http =>
        {
            var content = new ByteArrayContent(await File.ReadAllBytesAsync(parse.GetValue(file)!, ct));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            var reply = await SendAsync(http, HttpMethod.Post, "/api/configs/import", content, ct);
            Print(parse, c, reply, () =>
            {
                Console.Out.WriteLine($"Imported {reply["imported"]} version(s), {reply["unchanged"]} already present, {reply["skipped"]} skipped, {reply["aliases"]} alias(es).");
                foreach (var w in reply["warnings"]?.AsArray() ?? [])
                {
                    Console.Out.WriteLine("warning: " + w);
                }
            });
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, Common c, Func<HttpClient, Task<int>> body, CancellationToken ct)
    {
        try
        {
            using var http = c.Client(parse);
            return await body(http);
        }
        catch (Exception ex) when (ex is HttpRequestException or ArgumentException or IOException or JsonException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync("obkhub: " + ex.Message);
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("obkhub: the hub did not answer in time.");
            return ExitCodes.Failure;
        }
    }

    private static async Task<JsonNode> SendAsync(HttpClient http, HttpMethod method, string path, HttpContent? content, CancellationToken ct, bool acceptBadGateway = false)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using var response = await http.SendAsync(request, ct);
        await EnsureAsync(response, acceptBadGateway, ct);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(ct)) ?? throw new InvalidOperationException("The hub sent an empty reply.");
    }

    private static async Task EnsureAsync(HttpResponseMessage response, bool acceptBadGateway, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode || (acceptBadGateway && response.StatusCode == System.Net.HttpStatusCode.BadGateway))
        {
            return;
        }
        var text = await response.Content.ReadAsStringAsync(ct);
        var detail = text.StartsWith('{') ? JsonNode.Parse(text)?["detail"]?.GetValue<string>() : null;
        throw new InvalidOperationException($"the hub answered {(int)response.StatusCode}{(detail is null ? "" : ": " + detail)}");
    }

    private static void Print(ParseResult parse, Common c, JsonNode reply, Action human)
    {
        if (parse.GetValue(c.Json))
        {
            Console.Out.WriteLine(reply.ToJsonString(Pretty));
        }
        else
        {
            human();
        }
    }

    private static string Esc(JsonNode? node) => Markup.Escape(node switch
    {
        null => "-",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    });
}
