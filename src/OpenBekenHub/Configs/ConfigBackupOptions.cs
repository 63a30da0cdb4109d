using Microsoft.Extensions.Options;

namespace OpenBekenHub.Configs;

/// <summary>Configuration backups (<c>Configs:</c> section): the schedule and the bounds on talking to plugs.</summary>
public sealed class ConfigBackupOptions
{
    public const string SectionName = "Configs";

    /// <summary>Scheduled backups of every online plug; false = only on demand.</summary>
    public bool ScheduleEnabled { get; set; } = true;

    /// <summary>Time between scheduled runs (default daily).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Wait after start before the first scheduled run when none ran yet (plugs connect first).</summary>
    public TimeSpan FirstRunDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Per HTTP request to a plug; the firmware answers in milliseconds when it answers at all.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Largest JSON reply accepted from a plug (pins, channel types, info).</summary>
    public int MaxJsonBytes { get; set; } = 16 * 1024;

    /// <summary>Largest single LittleFS file kept (the default LittleFS is 32 KiB).</summary>
    public int MaxFileBytes { get; set; } = 64 * 1024;

    /// <summary>At most this many LittleFS files per plug.</summary>
    public int MaxFiles { get; set; } = 32;

    /// <summary>Plugs backed up at the same time.</summary>
    public int Parallelism { get; set; } = 4;
}

internal sealed class ConfigBackupOptionsValidator : IValidateOptions<ConfigBackupOptions>
{
    public ValidateOptionsResult Validate(string? name, ConfigBackupOptions o)
    {
        var errors = new List<string>();
        if (o.Interval < TimeSpan.FromMinutes(1) || o.Interval > TimeSpan.FromDays(365))
        {
            errors.Add("Configs:Interval must be between 00:01:00 and 365.00:00:00");
        }
        if (o.FirstRunDelay < TimeSpan.Zero || o.FirstRunDelay > TimeSpan.FromDays(1))
        {
            errors.Add("Configs:FirstRunDelay must be between 00:00:00 and 1.00:00:00");
        }
        if (o.RequestTimeout < TimeSpan.FromMilliseconds(100) || o.RequestTimeout > TimeSpan.FromMinutes(2))
        {
            errors.Add("Configs:RequestTimeout must be between 00:00:00.1 and 00:02:00");
        }
        if (o.MaxJsonBytes is < 1024 or > 1024 * 1024)
        {
            errors.Add("Configs:MaxJsonBytes must be between 1024 and 1048576");
        }
        if (o.MaxFileBytes is < 1024 or > 2 * 1024 * 1024)
        {
            errors.Add("Configs:MaxFileBytes must be between 1024 and 2097152");
        }
        if (o.MaxFiles is < 1 or > 256)
        {
            errors.Add("Configs:MaxFiles must be between 1 and 256");
        }
        if (o.Parallelism is < 1 or > 32)
        {
            errors.Add("Configs:Parallelism must be between 1 and 32");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
