using Microsoft.Extensions.Logging;
using OpenBekenHub.Mqtt.Events;

namespace OpenBekenHub.Mqtt.Extensions;

/// <summary>
/// Asks unidentified client topics who they are with the firmware's own commands (<c>STATUS 5</c> for the MAC and IP,
/// <c>STATUS 2</c> for the build, <c>publishChannels</c> for the channel states), retries the silent ones, and prunes
/// unconfirmed topics that stay silent.
/// </summary>
public sealed class IdentityExtension : IBridgeExtension
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan PruneInterval = TimeSpan.FromMinutes(1);
    private const int MaxRetriesPerRound = 500;

    private readonly CancellationTokenSource _stop = new();
    private BridgeContext? _context;
    private IDisposable? _events;
    private Task? _loop;

    public string Name => "identity";

    public Task StartAsync(BridgeContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        _events = context.Bus.On(Name, e =>
        {
            if (e is IdentityNeeded n)
            {
                Ask(n.ClientTopic);
            }
        });
        var logger = context.Loggers.CreateLogger<IdentityExtension>();
        _loop = Task.Run(() => LoopAsync(logger, _stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private void Ask(string clientTopic)
    {
        _context!.Ask(clientTopic, "STATUS", "5");
        _context.Ask(clientTopic, "STATUS", "2");
        _context.Ask(clientTopic, "publishChannels");
    }

    private async Task LoopAsync(ILogger logger, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(RetryInterval);
        var sincePrune = TimeSpan.Zero;
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                if (_context!.IsConnected)
                {
                    _context.State.RetryIdentities(MaxRetriesPerRound);
                }
                sincePrune += RetryInterval;
                if (sincePrune >= PruneInterval)
                {
                    sincePrune = TimeSpan.Zero;
                    var pruned = _context.State.PruneUnconfirmed();
                    if (pruned > 0)
                    {
                        logger.LogInformation("Dropped {Count} unconfirmed client topics that stayed silent", pruned);
                    }
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
        _events?.Dispose();
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
        _stop.Dispose();
    }
}
