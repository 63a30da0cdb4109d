using System.CommandLine;
using Microsoft.Extensions.Options;
using OpenBekenHub.Hosting;

namespace OpenBekenHub.Cli;

/// <summary>
/// The single executable's verbs. No verb (or <c>serve</c>) runs the hub; anything the verb parser does not know is
/// handed to ASP.NET configuration, so <c>--Mqtt:Embedded:Port 1884</c> and <c>--urls</c> work as usual.
/// </summary>
public static class CliApp
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("OpenBekenHub: flash Tuya BK7231 plugs with OpenBeken, provision them, bridge them to Home Assistant.");
        var serve = CreateServe("serve", "Run the hub (web pages, API, MQTT bridge). The default when no verb is given.");
        ConfigureServe(root);
        root.Subcommands.Add(serve);
        foreach (var command in ExtraCommands())
        {
            root.Subcommands.Add(command);
        }
        var parse = root.Parse(args);
        return await parse.InvokeAsync();
    }

    private static IEnumerable<Command> ExtraCommands()
    {
        foreach (var command in FlashingCommands.Create())
        {
            if (command.Name == "bench")
            {
                command.Subcommands.Add(BenchBridgeCommand.Create());
                command.Subcommands.Add(BenchPagesCommand.Create());
                command.Subcommands.Add(BenchHistoryCommand.Create());
                command.Subcommands.Add(BenchOtaCommand.Create());
            }
            yield return command;
        }
        yield return FlashCommand.Create();
        yield return AdminCommand.Create();
        yield return BrokerCommand.Create();
        yield return ConfigCommand.Create();
        yield return RestoreStockCommand.Create();
        yield return OtaCommand.Create();
        var simulate = new Command("simulate", "Simulators for demos and tests: a BK bootloader on a pty, OpenBeken plugs on a broker");
        simulate.Subcommands.Add(SimulateBootloaderCommand.Create());
        simulate.Subcommands.Add(SimulatePlugsCommand.Create());
        yield return simulate;
    }

    private static Command CreateServe(string name, string description)
    {
        var command = new Command(name, description);
        ConfigureServe(command);
        return command;
    }

    private static readonly Option<string?> DataOption = new("--data") { Description = "Data directory: database, backups, firmware, logs (default ./data)" };
    private static readonly Option<bool> DemoOption = new("--demo") { Description = "Run with simulated plugs and a simulated flashing station" };
    private static readonly Option<string?> UrlsOption = new("--urls") { Description = "HTTP listen addresses, e.g. http://0.0.0.0:8080" };

    private static void ConfigureServe(Command command)
    {
        command.Options.Add(DataOption);
        command.Options.Add(DemoOption);
        command.Options.Add(UrlsOption);
        // configuration overrides such as --Mqtt:Host x pass through to ASP.NET configuration
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var unmatched = parse.UnmatchedTokens.ToList();
            if (unmatched.Count > 0 && !unmatched[0].StartsWith('-'))
            {
                await Console.Error.WriteLineAsync($"obkhub: unknown verb '{unmatched[0]}'. Run 'obkhub --help' for the list.");
                return ExitCodes.Usage;
            }
            var hostArgs = new List<string>(unmatched);
            if (parse.GetValue(DataOption) is { } data)
            {
                hostArgs.Add($"--{HubOptions.SectionName}:DataDirectory={data}");
            }
            if (parse.GetValue(DemoOption))
            {
                hostArgs.Add($"--{HubOptions.SectionName}:Demo=true");
            }
            if (parse.GetValue(UrlsOption) is { } urls)
            {
                hostArgs.Add($"--urls={urls}");
            }
            return await ServeAsync([.. hostArgs], ct);
        });
    }

    public static async Task<int> ServeAsync(string[] hostArgs, CancellationToken cancellationToken)
    {
        try
        {
            await using var app = HubApp.Build(hostArgs);
            // every option bound and validated before the host starts, so a bad value is one line, not a logged crash
            app.Services.GetService<IStartupValidator>()?.Validate();
            await app.RunAsync(cancellationToken);
            return ExitCodes.Ok;
        }
        catch (Exception ex) when (ConfigurationErrors.Describe(ex) is { } line)
        {
            await Console.Error.WriteLineAsync($"obkhub: configuration error: {line}");
            return ExitCodes.Configuration;
        }
        catch (IOException ex) when (ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            await Console.Error.WriteLineAsync($"obkhub: cannot listen: {ex.Message}. Choose another --urls port.");
            return ExitCodes.Configuration;
        }
        catch (InvalidOperationException ex) when (ex.Message.Contains("Embedded MQTT broker", StringComparison.Ordinal))
        {
            await Console.Error.WriteLineAsync($"obkhub: {ex.Message}");
            return ExitCodes.Configuration;
        }
    }
}

/// <summary>Process exit codes shared by every verb.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int Usage = 64;
    public const int Configuration = 78;
}
