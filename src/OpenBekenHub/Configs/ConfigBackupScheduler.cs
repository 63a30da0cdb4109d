using Microsoft.Extensions.Options;
using OpenBekenHub.Store;

namespace OpenBekenHub.Configs;

/// <summary>
/// Loads the unique-id aliases, then backs up every online plug every <see cref="ConfigBackupOptions.Interval"/>,
/// counted from the last scheduled run in the store (a restart does not reset the clock).
/// </summary>
internal sealed class ConfigBackupScheduler(
    ConfigBackupService service,
    ConfigStore store,
    UniqueIdAliasTable aliases,
    IOptions<ConfigBackupOptions> options,
    TimeProvider time,
    ILogger<ConfigBackupScheduler> logger) : BackgroundService
{
    public const string Trigger = "scheduled";

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await aliases.LoadAsync(cancellationToken); // the HA extension also awaits it before its first announcement
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (!o.ScheduleEnabled)
        {
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            var last = await store.LastRunAsync(Trigger, stoppingToken);
            var now = time.GetUtcNow();
            var due = last is null ? now + o.FirstRunDelay : last.Started + o.Interval;
            var wait = due - now;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, stoppingToken);
            }
            try
            {
                await service.BackupAsync(null, Trigger, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Scheduled configuration backup failed");
                await Task.Delay(TimeSpan.FromMinutes(1), time, stoppingToken); // do not spin on a broken store
            }
        }
    }
}
