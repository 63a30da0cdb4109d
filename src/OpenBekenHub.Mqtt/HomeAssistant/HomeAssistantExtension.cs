using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OpenBekenHub.Mqtt.Connection;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.Events;
using OpenBekenHub.Mqtt.Extensions;
using OpenBekenHub.Mqtt.Options;

namespace OpenBekenHub.Mqtt.HomeAssistant;

/// <summary>
/// Home Assistant discovery: one device-based discovery message per plug (and one for the hub), announced over a
/// jittered window on every (re)connect and whenever HA says <c>online</c>, updated when a device changes, removed when it
/// is forgotten. After announcing a plug it asks the plug itself to publish its channel states
/// (<c>cmnd/&lt;c&gt;/publishChannels</c>): the hub never speaks for a plug. OpenBeken's own discovery is migrated
/// (<see cref="LegacyDiscovery"/>).
/// </summary>
public sealed class HomeAssistantExtension : IBridgeExtension, IAsyncDisposable
{
    private static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(200);
    private const int MaxConcurrentPublishes = 64;

    private readonly HomeAssistantOptions _options;
    private readonly string _hubVersion;
    private readonly IHomeAssistantIdentities? _identities;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private BridgeContext? _bridge;
    private DiscoveryPublisher? _publisher;
    private LegacyDiscovery? _legacy;
    private ILogger? _logger;
    private IDisposable? _events;
    private CancellationTokenSource? _announce;
    private Task? _loop;
    private int _announcementsCompleted;
    private int _publishFailures;

    /// <param name="identities">Replacement plugs announced as the plugs they replaced; null = every plug as itself.</param>
    public HomeAssistantExtension(HomeAssistantOptions options, string hubVersion, IHomeAssistantIdentities? identities = null)
    {
        _options = options;
        _hubVersion = hubVersion;
        _identities = identities;
    }

    public string Name => "home-assistant";

    public DiscoveryContext Context { get; private set; } = null!;

    /// <summary>Completed full announcements (after connect or HA birth); for tests and the benchmark.</summary>
    public int AnnouncementsCompleted => Volatile.Read(ref _announcementsCompleted);

    /// <summary>Duration of the last full announcement.</summary>
    public TimeSpan LastAnnouncementDuration { get; private set; }

    public async Task StartAsync(BridgeContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        _bridge = context;
        _logger = context.Loggers.CreateLogger<HomeAssistantExtension>();
        Context = new DiscoveryContext(_options.DiscoveryPrefix, context.HubId, _hubVersion, string.IsNullOrWhiteSpace(_options.HubBaseUrl) ? null : _options.HubBaseUrl)
        {
            OffersFirmwareInstall = _options.FirmwareInstall,
        };
        _publisher = new DiscoveryPublisher(context, Context, _identities);
        _legacy = new LegacyDiscovery(context, _publisher, _options.MigrateLegacyDiscovery, _logger);
        if (!_options.Enabled)
        {
            return;
        }
        if (_identities is not null)
        {
            await _identities.LoadAsync(ct).ConfigureAwait(false); // a replacement's first config already uses the replaced plug's ids
            _identities.Replaced += OnReplaced;
        }
        await context.SubscribeAsync(_options.BirthTopic, OnBirth, ct).ConfigureAwait(false);
        await context.SubscribeAsync($"{ObkTopics.FirmwareDiscoveryPrefix}/+/+/config", _legacy.Handle, ct).ConfigureAwait(false);
        _events = context.Bus.On(Name, OnEvent);
        context.Connected += OnConnectedAsync;
        _loop = Task.Run(() => LoopAsync(_stop.Token), CancellationToken.None);
    }

    private void OnBirth(BrokerMessage message)
    {
        if (message.Payload.Trim() == "online")
        {
            _logger!.LogInformation("Home Assistant came online; re-announcing over {Window} s", _options.JitterWindow.TotalSeconds);
            StartAnnouncement();
        }
    }

    private void OnEvent(HubEvent e)
    {
        switch (e)
        {
            case DeviceAdopted a:
                MarkDirty(a.Device.Id);
                break;
            case DeviceUpdated u:
                MarkDirty(u.Device.Id);
                break;
            case DeviceForgotten f:
                lock (_gate)
                {
                    _dirty.Remove(f.DeviceId);
                }
                _ = RemoveAsync(f.DeviceId);
                break;
        }
    }

    private async Task RemoveAsync(string deviceId)
    {
        try
        {
            await _publisher!.RemoveDeviceAsync(deviceId, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger!.LogWarning("Removing {Id} from Home Assistant failed: {Message}", deviceId, ex.Message);
        }
    }

    /// <summary>A plug took over another's HA device: announced on the next tick (not at the next birth), whatever was cached.</summary>
    private void OnReplaced(string deviceId)
    {
        _publisher!.Forget(deviceId);
        MarkDirty(deviceId);
    }

    private void MarkDirty(string deviceId)
    {
        lock (_gate)
        {
            _dirty.Add(deviceId);
        }
    }

    private Task OnConnectedAsync(CancellationToken ct)
    {
        // retained configs may be gone (a broker restarted without persistence): announce everything again
        _publisher!.ClearCache();
        StartAnnouncement();
        return Task.CompletedTask;
    }

    private void StartAnnouncement()
    {
        CancellationTokenSource next;
        lock (_gate)
        {
            _announce?.Cancel();
            _announce?.Dispose();
            _announce = next = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        }
        var token = next.Token;
        _ = Task.Run(async () =>
        {
            try
            {
                await AnnounceAllAsync(_options.JitterWindow, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // superseded by a newer announcement or stopping
            }
            catch (Exception ex)
            {
                _logger!.LogWarning("Home Assistant announcement stopped: {Message}", ex.Message);
            }
        }, CancellationToken.None);
    }

    /// <summary>Hub first, then every plug in random order at evenly spread times over <paramref name="window"/>.</summary>
    public async Task AnnounceAllAsync(TimeSpan window, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        await _publisher!.PublishHubAsync(ct).ConfigureAwait(false);
        var devices = _bridge!.State.List().ToArray();
        Random.Shared.Shuffle(devices);
        // configs overlap (bounded) so a slow PUBACK round trip does not stretch the window
        using var inFlight = new SemaphoreSlim(MaxConcurrentPublishes);
        var tasks = new List<Task>(devices.Length);
        for (var i = 0; i < devices.Length; i++)
        {
            var wait = (window * ((double)i / Math.Max(1, devices.Length))) - sw.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(5))
            {
                await Task.Delay(wait, ct).ConfigureAwait(false);
            }
            if (_bridge.State.Find(devices[i].Id) is not { } current || !ShouldAnnounce(current))
            {
                continue;
            }
            await inFlight.WaitAsync(ct).ConfigureAwait(false);
            tasks.Add(PublishReleasingAsync(current, force: true, inFlight, ct));
        }
        await Task.WhenAll(tasks).ConfigureAwait(false);
        LastAnnouncementDuration = sw.Elapsed;
        Interlocked.Increment(ref _announcementsCompleted);
        _logger!.LogInformation("Announced {Count} devices to Home Assistant in {Seconds:0.0} s", devices.Length, sw.Elapsed.TotalSeconds);
    }

    private async Task PublishReleasingAsync(DeviceSnapshot device, bool force, SemaphoreSlim inFlight, CancellationToken ct)
    {
        try
        {
            var sent = await _publisher!.PublishDeviceAsync(device, force, ct).ConfigureAwait(false);
            if (sent && device.Availability != Availability.Offline)
            {
                // HA shows a state only after its config: the plug itself says it again (firmware command, §1.5)
                _bridge!.Ask(device.ClientTopic, "publishChannels");
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            MarkDirty(device.Id); // tried again on a later tick, never dropped
            if (Interlocked.Increment(ref _publishFailures) == 1)
            {
                _logger!.LogWarning("Publishing a Home Assistant config failed ({Message}); it will be retried", ex.Message);
            }
        }
        finally
        {
            inFlight.Release();
        }
    }

    private bool ShouldAnnounce(DeviceSnapshot device) => _options.MigrateLegacyDiscovery || !_legacy!.Pending(device.ClientTopic);

    private async Task LoopAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TickInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                if (!_bridge!.IsConnected)
                {
                    continue;
                }
                try
                {
                    await TickAsync(ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    _logger!.LogWarning("Home Assistant update failed: {Message}", ex.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    private async Task TickAsync(CancellationToken ct)
    {
        await _legacy!.TickAsync(ct).ConfigureAwait(false);
        string[] dirty;
        lock (_gate)
        {
            dirty = [.. _dirty];
            _dirty.Clear();
        }
        using var inFlight = new SemaphoreSlim(MaxConcurrentPublishes);
        var tasks = new List<Task>();
        foreach (var id in dirty)
        {
            if (_bridge!.State.Find(id) is { } device && ShouldAnnounce(device) && !(_options.MigrateLegacyDiscovery && _legacy.Pending(device.ClientTopic)))
            {
                await inFlight.WaitAsync(ct).ConfigureAwait(false);
                tasks.Add(PublishReleasingAsync(device, force: false, inFlight, ct));
            }
        }
        await Task.WhenAll(tasks).ConfigureAwait(false);
        if (_publisher!.CountChanged)
        {
            await _publisher.PublishDeviceCountAsync(ct).ConfigureAwait(false);
        }
    }

    public async Task StopAsync(CancellationToken ct)
    {
        _events?.Dispose();
        if (_identities is not null)
        {
            _identities.Replaced -= OnReplaced;
        }
        if (_bridge is not null)
        {
            _bridge.Connected -= OnConnectedAsync;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
        lock (_gate)
        {
            _announce?.Dispose();
            _announce = null;
        }
    }

    public ValueTask DisposeAsync()
    {
        _stop.Dispose();
        return ValueTask.CompletedTask;
    }
}
