using Microsoft.Extensions.Options;
using OpenBekenHub.Mqtt.Options;

namespace OpenBekenHub.Hosting;

/// <summary>The hub's own settings, section "Hub". <c>--data DIR</c> maps to Hub:DataDirectory.</summary>
public sealed class HubOptions
{
    public const string SectionName = "Hub";

    public string DataDirectory { get; set; } = "./data";

    /// <summary>Minimum log level: Verbose, Debug, Information, Warning, Error.</summary>
    public string LogLevel { get; set; } = "Information";

    /// <summary>Run with simulated plugs and a simulated flashing station (no hardware needed).</summary>
    public bool Demo { get; set; }

    public string AdminUsername { get; set; } = "admin";

    /// <summary>Failed-login budget per client address (IPv6: per /64) and window before the login answers 429.</summary>
    public int LoginAttemptsPerMinute { get; set; } = 5;

    /// <summary>Failed-login budget per account over all addresses and window (slows a distributed guesser).</summary>
    public int LoginAccountAttemptsPerMinute { get; set; } = 20;

    /// <summary>The login throttle's sliding window (60 s; shorter only for tests).</summary>
    public int LoginWindowSeconds { get; set; } = 60;

    /// <summary>Set the admin password from OBKHUB_ADMIN_PASSWORD even though the account exists (ends every session).</summary>
    public bool ResetAdminPassword { get; set; }

    /// <summary>Reverse proxies whose X-Forwarded-For/-Proto are believed (off unless listed).</summary>
    public ForwardedHeadersSettings ForwardedHeaders { get; set; } = new();

    /// <summary>Optional certificate that encrypts the data-protection keys at rest.</summary>
    public KeyProtectionSettings DataProtection { get; set; } = new();

    public string FullDataDirectory => Path.GetFullPath(DataDirectory);

    public string DatabasePath => Path.Combine(FullDataDirectory, "obkhub.db");

    public string BackupsDirectory => Path.Combine(FullDataDirectory, "backups");

    public string FirmwareDirectory => Path.Combine(FullDataDirectory, "firmware");

    public string LogsDirectory => Path.Combine(FullDataDirectory, "logs");

    public string KeysDirectory => Path.Combine(FullDataDirectory, "keys");
}

/// <summary>Checks the hub options at start-up; each failure names its key, so start-up stops with one clear line.</summary>
internal sealed class HubOptionsValidator : IValidateOptions<HubOptions>
{
    private static readonly string[] Levels = ["Verbose", "Debug", "Information", "Warning", "Error", "Fatal"];

    public ValidateOptionsResult Validate(string? name, HubOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            failures.Add("Hub:DataDirectory (--data) must not be empty");
        }
        else
        {
            try
            {
                DataDirectory.EnsureOwnerOnly(options.FullDataDirectory);
                var probe = Path.Combine(options.FullDataDirectory, $".write-test-{Environment.ProcessId}");
                File.WriteAllText(probe, "ok");
                File.Delete(probe);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                failures.Add($"Hub:DataDirectory (--data) '{options.DataDirectory}' is not a writable directory: {ex.Message}");
            }
        }
        if (!Levels.Contains(options.LogLevel, StringComparer.OrdinalIgnoreCase))
        {
            failures.Add($"Hub:LogLevel must be one of {string.Join(", ", Levels)} (got '{options.LogLevel}')");
        }
        if (options.LoginAttemptsPerMinute is < 1 or > 1000)
        {
            failures.Add("Hub:LoginAttemptsPerMinute must be 1-1000");
        }
        if (options.LoginAccountAttemptsPerMinute is < 1 or > 10000)
        {
            failures.Add("Hub:LoginAccountAttemptsPerMinute must be 1-10000");
        }
        if (options.LoginWindowSeconds is < 1 or > 3600)
        {
            failures.Add("Hub:LoginWindowSeconds must be 1-3600");
        }
        if (string.IsNullOrWhiteSpace(options.AdminUsername))
        {
            failures.Add("Hub:AdminUsername must not be empty");
        }
        failures.AddRange(options.ForwardedHeaders.Validate());
        failures.AddRange(options.DataProtection.Validate());
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

internal sealed class MqttOptionsValidator : IValidateOptions<MqttOptions>
{
    public ValidateOptionsResult Validate(string? name, MqttOptions options)
    {
        var failures = options.Validate().ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
