using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using OpenBekenHub.Flashing.Errors;
using OpenBekenHub.Flashing.Operations;
using OpenBekenHub.Flashing.Progress;
using OpenBekenHub.Hosting;
using OpenBekenHub.Library;

namespace OpenBekenHub.Configs;

/// <summary>A return-to-stock run as the Backups page shows it: state, the flasher's current phase and fraction, outcome.</summary>
public sealed record StockRestoreRunView(string Id, string BackupFile, string Port, bool IncludeBootloader, string State, string? Phase, double Fraction,
    string? Message, string? Error, StockRestoreResult? Result, DateTimeOffset Started);

/// <summary>
/// Runs return-to-stock from the Backups page in the background, one per port, reporting the flasher's own
/// <see cref="FlashProgress"/> (the contract the CLI's progress bars use). Each run is bounded (catch wait, 20 minutes
/// overall) and kept in memory for the page to poll.
/// </summary>
public sealed class StockRestoreRunner(BackupCatalog catalog, IOptions<HubOptions> hub, TimeProvider time, ILogger<StockRestoreRunner> logger)
{
    private static readonly TimeSpan RunLimit = TimeSpan.FromMinutes(20);
    private readonly ConcurrentDictionary<string, Run> _runs = new(StringComparer.Ordinal);

    public IReadOnlyList<StockRestoreRunView> List() => [.. _runs.Values.Select(r => r.View()).OrderByDescending(v => v.Started)];

    public StockRestoreRunView? Find(string id) => _runs.TryGetValue(id, out var run) ? run.View() : null;

    /// <summary>Starts a run; throws <see cref="ArgumentException"/> for an unknown backup and <see cref="InvalidOperationException"/> for a busy port.</summary>
    public StockRestoreRunView Start(string backupFile, string port, bool includeBootloader, int baud = 921_600, TimeSpan? catchTimeout = null)
    {
        var path = catalog.Resolve(backupFile) ?? throw new ArgumentException($"No backup named {backupFile}.", nameof(backupFile));
        if (string.IsNullOrWhiteSpace(port) || port.Length > 200)
        {
            throw new ArgumentException("Choose the serial port the plug is wired to.", nameof(port));
        }
        var manifest = catalog.List(withInsight: false).FirstOrDefault(e => e.FileName == Path.GetFileName(path))?.Manifest;
        if (_runs.Values.Any(r => r.Port == port && r.State == "running"))
        {
            throw new InvalidOperationException($"A return to stock is already running on {port}.");
        }
        var run = new Run(Guid.NewGuid().ToString("N")[..12], Path.GetFileName(path), port, includeBootloader, time.GetUtcNow());
        _runs[run.Id] = run;
        _ = Task.Run(() => ExecuteAsync(run, path, manifest, baud, catchTimeout ?? TimeSpan.FromSeconds(60)));
        return run.View();
    }

    private async Task ExecuteAsync(Run run, string path, BackupManifest? manifest, int baud, TimeSpan catchTimeout)
    {
        using var limit = new CancellationTokenSource(RunLimit);
        try
        {
            var stock = await File.ReadAllBytesAsync(path, limit.Token);
            var options = new FlashSessionOptions { BaudRate = baud, Loader = new BkLoaderOptions { CatchTimeout = catchTimeout } };
            await using var session = await FlashSession.OpenSerialAsync(run.Port, options, run, logger, limit.Token);
            run.Result = await StockRestore.RunAsync(session, stock, manifest, run.IncludeBootloader, hub.Value.BackupsDirectory, run, limit.Token);
            run.State = "ok";
            logger.LogInformation("Returned the plug on {Port} to stock from {Backup}", run.Port, run.BackupFile);
        }
        catch (Exception ex) when (ex is FlashException or IOException or OperationCanceledException or UnauthorizedAccessException)
        {
            run.Error = ex is OperationCanceledException ? $"Stopped after {RunLimit.TotalMinutes:0} minutes." : ex is FlashException f ? $"{f.Message} {f.Hint}" : ex.Message;
            run.State = "failed";
            logger.LogWarning("Return to stock on {Port} failed: {Message}", run.Port, run.Error);
        }
    }

    private sealed class Run(string id, string backupFile, string port, bool includeBootloader, DateTimeOffset started) : IProgress<FlashProgress>
    {
        private FlashProgress? _last;

        public string Id { get; } = id;

        public string BackupFile { get; } = backupFile;

        public string Port { get; } = port;

        public bool IncludeBootloader { get; } = includeBootloader;

        private volatile string _state = "running";

        public string State
        {
            get => _state;
            set => _state = value;
        }

        public string? Error { get; set; }

        public StockRestoreResult? Result { get; set; }

        public void Report(FlashProgress value) => _last = value;

        public StockRestoreRunView View()
        {
            var p = _last;
            return new StockRestoreRunView(Id, BackupFile, Port, IncludeBootloader, State, p?.Phase.ToString(), State == "ok" ? 1 : p?.Fraction ?? 0, p?.Message, Error, Result, started);
        }
    }
}
