using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.Events;

namespace OpenBekenHub.Mqtt.Extensions;

/// <summary>
/// Availability from the plug's own evidence. When the broker goes away every plug becomes unknown. On each (re)connect
/// the hub asks the unverified plugs to speak (<c>cmnd/&lt;c&gt;/publishChannels</c>, the firmware's own command); those
/// still silent after <see cref="Options.BridgeOptions.AvailabilityWindow"/> are offline. The hub's verdict goes to a
/// hub-owned retained topic per device (<c>&lt;HubId&gt;/devices/&lt;id&gt;/availability</c>), which discovery announces
/// next to the plug's LWT with <c>availability_mode: all</c>: HA never shows a dead plug available just because its
/// retained <c>connected online</c> went stale while the broker was down.
/// </summary>
public sealed class AvailabilityExtension : IBridgeExtension
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<(string Id, string Payload)> _outbox =
        Channel.CreateBounded<(string, string)>(new BoundedChannelOptions(100_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _published = new(StringComparer.Ordinal);
    private BridgeContext? _context;
    private ILogger? _logger;
    private IDisposable? _events;
    private Task? _worker;
    private int _generation;

    public string Name => "availability";

    /// <summary>The hub-owned retained availability topic of a device.</summary>
    public static string Topic(string hubId, string deviceId) => $"{hubId}/devices/{deviceId}/availability";

    /// <summary>How many answer windows have closed (for tests: the verdict after a (re)connect is in).</summary>
    public int WindowsClosed => Volatile.Read(ref _windowsClosed);

    private int _windowsClosed;

    public Task StartAsync(BridgeContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        _logger = context.Loggers.CreateLogger<AvailabilityExtension>();
        _events = context.Bus.On(Name, OnEvent);
        context.Connected += OnConnectedAsync;
        _worker = Task.Run(() => PublishLoopAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private void OnEvent(HubEvent e)
    {
        switch (e)
        {
            case BridgeConnectionChanged { Connected: false }:
                Interlocked.Increment(ref _generation); // an open window belongs to the lost connection
                _context!.State.BrokerDisconnected();
                break;
            case DeviceAvailabilityChanged { Availability: not Availability.Unknown } a:
                _outbox.Writer.TryWrite((a.DeviceId, a.Online ? "online" : "offline"));
                break;
            case DeviceAdopted { Device: { Availability: Availability.Unknown } d }:
                _context!.Ask(d.ClientTopic, "publishChannels");
                break;
            case DeviceAdopted { Device: var d }:
                _outbox.Writer.TryWrite((d.Id, d.Online ? "online" : "offline"));
                break;
            case DeviceForgotten f:
                _outbox.Writer.TryWrite((f.DeviceId, ""));
                break;
        }
    }

    private Task OnConnectedAsync(CancellationToken ct)
    {
        var generation = Interlocked.Increment(ref _generation);
        lock (_gate)
        {
            _published.Clear(); // the broker may have lost its retained messages
        }
        var unverified = _context!.State.Unverified();
        foreach (var device in unverified)
        {
            _context.Ask(device.ClientTopic, "publishChannels");
        }
        _logger!.LogInformation("Asked {Count} plugs to report; those silent for {Window} s will be offline", unverified.Count, _context.Options.AvailabilityWindow.TotalSeconds);
        _ = CloseWindowAsync(generation);
        return Task.CompletedTask;
    }

    private async Task CloseWindowAsync(int generation)
    {
        try
        {
            await Task.Delay(_context!.Options.AvailabilityWindow, _stop.Token).ConfigureAwait(false);
            if (generation != Volatile.Read(ref _generation) || !_context.IsConnected)
            {
                return;
            }
            var expired = _context.State.ExpireUnverified();
            Interlocked.Increment(ref _windowsClosed);
            if (expired > 0)
            {
                _logger!.LogInformation("{Count} plugs did not answer within the window: offline", expired);
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    private async Task PublishLoopAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var (id, payload) in _outbox.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                lock (_gate)
                {
                    if (_published.TryGetValue(id, out var last) && last == payload)
                    {
                        continue;
                    }
                }
                try
                {
                    await _context!.PublishAsync(Topic(_context.HubId, id), payload, retain: true, ct: ct).ConfigureAwait(false);
                    lock (_gate)
                    {
                        if (payload.Length == 0)
                        {
                            _published.Remove(id);
                        }
                        else
                        {
                            _published[id] = payload;
                        }
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    // not connected: the next connect's window publishes the verdict again
                    _logger!.LogDebug("Publishing availability of {Id} failed: {Message}", id, ex.Message);
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
        if (_context is not null)
        {
            _context.Connected -= OnConnectedAsync;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_worker is not null)
        {
            await _worker.ConfigureAwait(false);
        }
        _stop.Dispose();
    }
}
