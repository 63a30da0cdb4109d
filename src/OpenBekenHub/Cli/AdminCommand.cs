using System.CommandLine;
using OpenBekenHub.Auth;
using OpenBekenHub.Hosting;
using OpenBekenHub.Store;

namespace OpenBekenHub.Cli;

/// <summary>
/// <c>obkhub admin reset-password --data DIR [--password P]</c>: the documented way back in. Works on the store
/// directly (also while the hub runs), sets or generates the password and ends every session of the account.
/// </summary>
internal static class AdminCommand
{
    public static Command Create()
    {
        var admin = new Command("admin", "Manage the hub's login account");
        var data = new Option<string>("--data") { Description = "The hub's data directory", DefaultValueFactory = _ => "./data" };
        var password = new Option<string?>("--password")
        {
            Description = $"The new password (at least {PasswordPolicy.MinLength} characters; '-' reads it from stdin). Generated and printed when left out",
        };
        var user = new Option<string>("--user") { Description = "The account", DefaultValueFactory = _ => "admin" };
        var reset = new Command("reset-password", "Set (or generate and print) the admin password and end every session");
        reset.Options.Add(data);
        reset.Options.Add(password);
        reset.Options.Add(user);
        reset.SetAction((parse, ct) => ResetAsync(parse.GetValue(data)!, parse.GetValue(password), parse.GetValue(user)!, ct));
        admin.Subcommands.Add(reset);
        return admin;
    }

    private static async Task<int> ResetAsync(string dataDirectory, string? given, string username, CancellationToken ct)
    {
        var hub = new HubOptions { DataDirectory = dataDirectory };
        if (given == "-")
        {
            given = (await Console.In.ReadLineAsync(ct))?.TrimEnd('\r', '\n');
        }
        if (given is not null && PasswordPolicy.Problem(given) is { } problem)
        {
            await Console.Error.WriteLineAsync($"obkhub: the password {problem}.");
            return ExitCodes.Usage;
        }
        if (!File.Exists(hub.DatabasePath))
        {
            await Console.Error.WriteLineAsync($"obkhub: no hub data in '{hub.FullDataDirectory}' ({Path.GetFileName(hub.DatabasePath)} is missing). Pass the hub's --data directory.");
            return ExitCodes.Usage;
        }
        var password = given ?? PasswordPolicy.Generate();
        var store = new HubStore(hub.DatabasePath);
        await store.MigrateAsync(ct);
        var existed = await new UserStore(store).SetPasswordAsync(username, password, ct);
        await Console.Out.WriteLineAsync(existed
            ? $"Password of '{username}' set; every session of '{username}' was ended."
            : $"Account '{username}' created.");
        if (given is null)
        {
            // stdout only, never a log file
            await Console.Out.WriteLineAsync($"Password: {password}");
        }
        return ExitCodes.Ok;
    }
}
