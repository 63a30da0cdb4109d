using Microsoft.Extensions.Logging;

namespace OpenBekenHub.Mqtt.Extensions;

/// <summary>
/// Saves changed devices every 2 s (and "last seen" every minute) through the state store, whose persistence gate
/// serialises these writes with forget. A failed write is retried on the next round; stopping saves once more.
/// </summary>
public sealed class PersistenceExtension : IBridgeExtension
{
    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan LastSeenInterval = TimeSpan.FromSeconds(60);

    private readonly CancellationTokenSource _stop = new();
    private BridgeContext? _context;
    private ILogger? _logger;
    private Task? _loop;

    public string Name => "persistence";

    public Task StartAsync(BridgeContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        _logger = context.Loggers.CreateLogger<PersistenceExtension>();
        _loop = Task.Run(() => LoopAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task LoopAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(FlushInterval);
        var sinceSeen = TimeSpan.Zero;
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                sinceSeen += FlushInterval;
                var includeSeen = sinceSeen >= LastSeenInterval;
                if (includeSeen)
                {
                    sinceSeen = TimeSpan.Zero;
                }
                try
                {
                    await _context!.State.FlushAsync(includeSeen, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _logger!.LogWarning("Saving devices failed: {Message}; will retry", ex.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    public async Task StopAsync(CancellationToken ct)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
        try
        {
            await _context!.State.FlushAsync(includeLastSeen: true, ct).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger!.LogWarning("Final save of devices failed: {Message}", ex.Message);
        }
        _stop.Dispose();
    }
}
