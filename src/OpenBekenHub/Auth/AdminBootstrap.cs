using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using OpenBekenHub.Hosting;
using OpenBekenHub.Store;

namespace OpenBekenHub.Auth;

/// <summary>
/// First start: creates the admin account from OBKHUB_ADMIN_PASSWORD (or Hub:AdminPassword), or generates a password
/// and prints it once to the console. It goes to stdout directly, never through the logger, so it never reaches
/// the log files.
/// </summary>
internal sealed class AdminBootstrap(UserStore users, IOptions<HubOptions> options, IConfiguration configuration, ILogger<AdminBootstrap> logger)
{
    public const string PasswordVariable = "OBKHUB_ADMIN_PASSWORD";

    public async Task EnsureAdminAsync(CancellationToken cancellationToken)
    {
        if (await users.CountAsync(cancellationToken) > 0)
        {
            return;
        }
        var username = options.Value.AdminUsername;
        var given = Environment.GetEnvironmentVariable(PasswordVariable) is { Length: > 0 } env ? env : configuration["Hub:AdminPassword"];
        var password = string.IsNullOrEmpty(given) ? Generate() : given;
        await users.CreateAsync(username, password, cancellationToken);
        if (string.IsNullOrEmpty(given))
        {
            Console.Out.WriteLine();
            Console.Out.WriteLine("==============================================================");
            Console.Out.WriteLine($"  obkhub first start: admin account '{username}' created.");
            Console.Out.WriteLine($"  Password: {password}");
            Console.Out.WriteLine("  It is shown only this once; change it in Settings.");
            Console.Out.WriteLine("==============================================================");
            Console.Out.WriteLine();
            Console.Out.Flush();
            logger.LogInformation("Admin account {Username} created with a generated password (printed once to the console)", username);
        }
        else
        {
            logger.LogInformation("Admin account {Username} created from {Variable}", username, PasswordVariable);
        }
    }

    private static string Generate()
    {
        // 16 characters from an unambiguous alphabet: ~92 bits, easy to type from a terminal
        const string alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        return RandomNumberGenerator.GetString(alphabet, 16);
    }
}
