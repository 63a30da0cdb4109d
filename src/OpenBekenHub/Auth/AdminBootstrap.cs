using Microsoft.Extensions.Options;
using OpenBekenHub.Hosting;
using OpenBekenHub.Store;

namespace OpenBekenHub.Auth;

/// <summary>
/// Creates the admin account once the hub has started successfully (a start that fails, e.g. on a busy port,
/// creates nothing, so the next start still prints the password). The password comes from OBKHUB_ADMIN_PASSWORD
/// (or Hub:AdminPassword), or is generated and printed once to stdout directly, never through the logger, so it
/// never reaches the log files. An existing admin's password is replaced from the variable only when
/// Hub:ResetAdminPassword is true; otherwise use <c>obkhub admin reset-password</c>.
/// </summary>
internal sealed class AdminBootstrap(UserStore users, IOptions<HubOptions> options, IConfiguration configuration, ILogger<AdminBootstrap> logger)
{
    public const string PasswordVariable = "OBKHUB_ADMIN_PASSWORD";

    /// <summary>The configured password and the name of where it came from, or nulls.</summary>
    public static (string? Password, string Source) Given(IConfiguration configuration) =>
        Environment.GetEnvironmentVariable(PasswordVariable) is { Length: > 0 } env
            ? (env, PasswordVariable)
            : (configuration["Hub:AdminPassword"] is { Length: > 0 } configured ? configured : null, "Hub:AdminPassword");

    public async Task EnsureAdminAsync(CancellationToken cancellationToken)
    {
        var username = options.Value.AdminUsername;
        var (given, source) = Given(configuration);
        if (await users.CountAsync(cancellationToken) > 0)
        {
            if (options.Value.ResetAdminPassword && given is not null)
            {
                await users.SetPasswordAsync(username, given, cancellationToken);
                logger.LogWarning("Admin password of {Username} reset from {Source} (Hub:ResetAdminPassword); every session was ended. Remove the flag now", username, source);
            }
            else if (given is not null)
            {
                logger.LogInformation("{Source} is set but the admin account exists; it is used only on the first start or with Hub:ResetAdminPassword=true", source);
            }
            return;
        }
        var password = given ?? PasswordPolicy.Generate();
        await users.SetPasswordAsync(username, password, cancellationToken);
        if (given is null)
        {
            Console.Out.WriteLine();
            Console.Out.WriteLine("==============================================================");
            Console.Out.WriteLine($"  obkhub first start: admin account '{username}' created.");
            Console.Out.WriteLine($"  Password: {password}");
            Console.Out.WriteLine("  It is shown only this once; change it in Settings.");
            Console.Out.WriteLine("  Lost it? obkhub admin reset-password --data <data directory>");
            Console.Out.WriteLine("==============================================================");
            Console.Out.WriteLine();
            Console.Out.Flush();
            logger.LogInformation("Admin account {Username} created with a generated password (printed once to the console)", username);
        }
        else
        {
            logger.LogInformation("Admin account {Username} created from {Source}", username, source);
        }
    }
}

/// <summary>A configured admin password must meet <see cref="PasswordPolicy"/>; checked at start-up like any option.</summary>
internal sealed class AdminPasswordValidator(IConfiguration configuration) : IValidateOptions<HubOptions>
{
    public ValidateOptionsResult Validate(string? name, HubOptions options)
    {
        var (given, source) = AdminBootstrap.Given(configuration);
        if (given is not null && PasswordPolicy.Problem(given) is { } problem)
        {
            return ValidateOptionsResult.Fail($"{source} {problem}");
        }
        if (options.ResetAdminPassword && given is null)
        {
            return ValidateOptionsResult.Fail($"Hub:ResetAdminPassword needs the new password in {AdminBootstrap.PasswordVariable}");
        }
        return ValidateOptionsResult.Success;
    }
}
