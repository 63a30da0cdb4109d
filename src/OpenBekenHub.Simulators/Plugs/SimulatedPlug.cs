using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;

namespace OpenBekenHub.Simulators.Plugs;

/// <summary>
/// A simulated OpenBeken plug on MQTT (and optionally HTTP), following the firmware's behaviour: client id = client
/// topic, LWT and retained <c>connected</c>, change-only channel publishes, <c>set</c> quirks (<c>ON</c>/<c>OFF</c>
/// read as 0), console commands on <c>cmnd/&lt;c&gt;/&lt;command&gt;</c>, stats once per connection, meter rule, button.
/// This file holds its state and power (start, power cut, restart, dispose); the partials hold one part each: MQTT
/// session, channels and broadcasts, console, configuration, pins, LittleFS, OTA, discovery, credentials.
/// </summary>
public sealed partial class SimulatedPlug : IAsyncDisposable
{
    public const int MaxChannel = 64;

    private readonly Lock _gate = new();
    private readonly int[] _channels = new int[MaxChannel + 1];
    private readonly Queue<Func<MqttApplicationMessage?>> _broadcast = new();
    private readonly Queue<MqttApplicationMessage> _discovery = new();
    private readonly Channel<MqttApplicationMessage> _outbox =
        Channel.CreateBounded<MqttApplicationMessage>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly PlugScheduler _scheduler;
    private readonly bool _ownsScheduler;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _life = new();
    private readonly HashSet<int> _relays;
    private readonly HashSet<int> _inputs;
    private IMqttClient? _client;
    private TaskCompletionSource _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _connectLoop;
    private CancellationTokenSource? _power;
    private Task? _pump;
    private PlugHttpServer? _http;
    private long _bootMs;
    private long _nextBroadcastMs;
    private long _nextDiscoveryMs;
    private long _nextMeterMs;
    private long _discoveryDueMs = long.MaxValue;
    private bool _poweredOn;

    public SimulatedPlug(PlugSettings settings, PlugScheduler? scheduler = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Settings = settings;
        Flags = settings.Flags;
        ShortName = settings.ShortName;
        FriendlyName = settings.FriendlyName;
        _relays = [.. settings.RelayChannels];
        _inputs = [.. settings.InputChannels];
        Meter = settings.HasPowerMeter ? new PowerMeter() : null;
        _logger = logger ?? NullLogger.Instance;
        _ownsScheduler = scheduler is null;
        _scheduler = scheduler ?? new PlugScheduler();
        Rssi = settings.Rssi;
    }

    public PlugSettings Settings { get; }

    public string ClientTopic => _activeClientTopic ?? Settings.ClientTopic;

    public string ShortName { get; private set; }

    public string FriendlyName { get; private set; }

    public ulong Flags { get; private set; }

    /// <summary>Null when the plug has no power meter.</summary>
    public PowerMeter? Meter { get; }

    public int Rssi { get; set; }

    public bool IsConnected => _client?.IsConnected == true;

    /// <summary>How many times the plug completed an MQTT connect (stats are sent once per connection).</summary>
    public int ConnectionCount { get; private set; }

    /// <summary>Number of MQTT messages this plug received (for tests).</summary>
    public long MessagesReceived => Interlocked.Read(ref _messagesReceived);

    private long _messagesReceived;

    public TimeSpan Uptime => TimeSpan.FromMilliseconds(PlugScheduler.NowMs - _bootMs);

    public IReadOnlyCollection<int> RelayChannels => _relays;

    /// <summary>Raised after a channel value changed (channel, new value); used by fleets and tests.</summary>
    public event Action<SimulatedPlug, int, int>? ChannelChanged;

    public int GetChannel(int channel)
    {
        lock (_gate)
        {
            return _channels[channel];
        }
    }

    public bool IsRelayOn(int channel = 1) => GetChannel(channel) > 0;

    /// <summary>Powers the plug on: starts HTTP (if configured) and the MQTT connect loop.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_poweredOn)
        {
            return;
        }
        _poweredOn = true;
        _bootMs = PlugScheduler.NowMs;
        ApplyStoredCredentials();
        if (Settings.HttpPort > 0 && _http is null)
        {
            _http = new PlugHttpServer(this, _logger);
            await _http.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        _scheduler.Add(this);
        _pump ??= Task.Run(PumpAsync, CancellationToken.None);
        _power = CancellationTokenSource.CreateLinkedTokenSource(_life.Token);
        var token = _power.Token;
        _connectLoop = Task.Run(() => ConnectLoopAsync(token), CancellationToken.None);
    }

    /// <summary>Cuts power: the TCP connection drops without DISCONNECT, so the broker sends the LWT.</summary>
    public async Task PowerOffAsync()
    {
        if (!_poweredOn)
        {
            return;
        }
        _poweredOn = false;
        _scheduler.Remove(this);
        if (_power is not null)
        {
            await _power.CancelAsync().ConfigureAwait(false);
        }
        var client = _client;
        _client = null;
        client?.Dispose();
        if (_connectLoop is not null)
        {
            await _connectLoop.ConfigureAwait(false);
        }
        _power?.Dispose();
        _power = null;
    }

    /// <summary>Simulates a reboot: the connection drops (LWT), uptime restarts, and the plug connects again.</summary>
    public Task RestartAsync() => RebootFromDownloadAreaAsync(); // the bootloader installs a waiting OTA package (SimulatedPlug.Ota.cs)

    private void ScheduleRestart()
    {
        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(Settings.RestartDelay, _life.Token).ConfigureAwait(false);
                await RestartAsync().ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // disposed before the restart
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        await PowerOffAsync().ConfigureAwait(false);
        await _life.CancelAsync().ConfigureAwait(false);
        if (_pump is not null)
        {
            await _pump.ConfigureAwait(false);
        }
        if (_http is not null)
        {
            await _http.DisposeAsync().ConfigureAwait(false);
        }
        if (_ownsScheduler)
        {
            await _scheduler.DisposeAsync().ConfigureAwait(false);
        }
        _life.Dispose();
    }
}
