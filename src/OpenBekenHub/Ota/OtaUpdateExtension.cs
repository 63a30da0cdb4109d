using System.Collections.Concurrent;
using System.Threading.Channels;
using OpenBekenHub.Mqtt.Events;
using OpenBekenHub.Mqtt.Extensions;

namespace OpenBekenHub.Ota;

/// <summary>
/// The Home Assistant <c>update</c> entity's live half: owns each plug's hub-side firmware state topic
/// (<see cref="Mqtt.HomeAssistant.DiscoveryContext.FirmwareStateTopic"/>: installed version from the plug, latest from the
/// library, progress from bytes served) and the install topic, where HA's "Install" starts a one-plug rollout.
/// The discovery extension announces the entity with that command topic when <c>HomeAssistant:FirmwareInstall</c> is on.
/// </summary>
internal sealed class OtaUpdateExtension(IServiceProvider services, ILogger<OtaUpdateExtension> logger) : IBridgeExtension, IAsyncDisposable
{
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan BatchPause = TimeSpan.FromSeconds(1);

    private readonly Channel<string> _dirty = Channel.CreateBounded<string>(new BoundedChannelOptions(4096) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly ConcurrentDictionary<string, string> _published = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private IDisposable? _events;
    private Task? _loop;
    private BridgeContext? _bridge;
    private Library.FirmwareLibrary? _library;

    public string Name => "ota-update-entity";

    public async Task StartAsync(BridgeContext context, CancellationToken ct)
    {
        _bridge = context;
        _events = context.Bus.On(Name, e =>
        {
            // quick and non-blocking: the bus runs handlers under the state store's lock
            if (e is DeviceAdopted a) _dirty.Writer.TryWrite(a.Device.Id);
            else if (e is DeviceUpdated u) _dirty.Writer.TryWrite(u.Device.Id);
            else if (e is DeviceForgotten f) _published.TryRemove(f.DeviceId, out _);
        });
        context.Connected += _ =>
        {
            // retained states may be gone after a broker restart: publish them all again
            _published.Clear();
            foreach (var d in context.State.List()) _dirty.Writer.TryWrite(d.Id);
            return Task.CompletedTask;
        };
        // a new or deleted library file changes every plug's "latest"
        _library = services.GetRequiredService<Library.FirmwareLibrary>();
        _library.Changed += OnLibraryChanged;
        await context.SubscribeAsync(Mqtt.HomeAssistant.DiscoveryContext.FirmwareInstallTopicOf(context.HubId, "+"), OnInstall, ct).ConfigureAwait(false);
        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
    }

    private void OnInstall(Mqtt.Connection.BrokerMessage message)
    {
        // <hub>/devices/<id>/firmware/install: the id is the third level; sizes are bounded by the broker and here
        // a retained "install" would start a rollout again on every reconnect: only live commands count
        var parts = message.Topic.Split('/');
        if (message.Retain || parts.Length != 5 || message.Payload.Length > 64)
        {
            return;
        }
        var deviceId = parts[2];
        var payload = message.Payload.Trim();
        _ = Task.Run(async () =>
        {
            var (rollout, error) = await Entity.InstallAsync(deviceId, payload, _stop.Token).ConfigureAwait(false);
            if (rollout is null)
            {
                logger.LogWarning("Home Assistant asked to install firmware on {Device}: refused, {Reason}", deviceId, error);
            }
            else
            {
                logger.LogInformation("Home Assistant started firmware rollout {Rollout} for {Device}", rollout, deviceId);
            }
            _dirty.Writer.TryWrite(deviceId);
        });
    }

    private void OnLibraryChanged()
    {
        foreach (var d in _bridge!.State.List()) _dirty.Writer.TryWrite(d.Id);
    }

    private OtaUpdateEntity Entity => services.GetRequiredService<OtaUpdateEntity>();

    private async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(ProgressEvery);
        var tick = timer.WaitForNextTickAsync(ct).AsTask();
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var next = _dirty.Reader.WaitToReadAsync(ct).AsTask();
                if (await Task.WhenAny(next, tick).ConfigureAwait(false) == tick)
                {
                    await tick.ConfigureAwait(false);
                    tick = timer.WaitForNextTickAsync(ct).AsTask();
                    // while rollouts run, their plugs' progress moves without any bridge event
                    foreach (var id in await UpdatingDevicesAsync(ct).ConfigureAwait(false)) _dirty.Writer.TryWrite(id);
                }
                // one pass per second at most, each device once: a rollout raises many device events, and every state
                // read touches the store that the rollout itself is writing
                var batch = new HashSet<string>(StringComparer.Ordinal);
                while (_dirty.Reader.TryRead(out var id))
                {
                    batch.Add(id);
                }
                foreach (var id in batch)
                {
                    await PublishAsync(id, ct).ConfigureAwait(false);
                }
                await Task.Delay(BatchPause, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Firmware update state not published; retrying on the next change");
            }
        }
    }

    private async Task<IEnumerable<string>> UpdatingDevicesAsync(CancellationToken ct)
    {
        var rollouts = await services.GetRequiredService<RolloutService>().ListAsync(ct).ConfigureAwait(false);
        // plugs of running rollouts, and those that just finished (their last state says "not in progress")
        return rollouts.Where(r => !RolloutState.IsFinal(r.State)).SelectMany(r => r.Devices).Select(d => d.Id)
            .Concat(_published.Where(p => p.Value.Contains("\"in_progress\":true", StringComparison.Ordinal)).Select(p => p.Key))
            .Distinct(StringComparer.Ordinal).ToList();
    }

    private async Task PublishAsync(string deviceId, CancellationToken ct)
    {
        if (_bridge is not { IsConnected: true } bridge || await Entity.StateAsync(deviceId, ct).ConfigureAwait(false) is not { } state)
        {
            return;
        }
        var json = state.ToJson();
        if (_published.TryGetValue(deviceId, out var last) && last == json)
        {
            return;
        }
        await bridge.PublishAsync(Mqtt.HomeAssistant.DiscoveryContext.FirmwareStateTopicOf(bridge.HubId, deviceId), json, retain: true, ct: ct).ConfigureAwait(false);
        _published[deviceId] = json;
    }

    public async Task StopAsync(CancellationToken ct)
    {
        _events?.Dispose();
        if (_library is not null) _library.Changed -= OnLibraryChanged;
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }
        _stop.Dispose();
    }
}
