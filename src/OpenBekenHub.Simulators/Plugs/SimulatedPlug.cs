using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace OpenBekenHub.Simulators.Plugs;

/// <summary>
/// A simulated OpenBeken plug on MQTT (and optionally HTTP), following the firmware's behaviour: client id = client
/// topic, LWT and retained <c>connected</c>, change-only channel publishes, <c>set</c> quirks (<c>ON</c>/<c>OFF</c>
/// read as 0), console commands on <c>cmnd/&lt;c&gt;/&lt;command&gt;</c>, stats once per connection, meter rule, button.
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

    /// <summary>Presses the physical button: toggles the relay on the button's channel (and publishes it).</summary>
    public void PressButton(int buttonChannel = 1)
    {
        var target = _relays.Contains(buttonChannel) ? buttonChannel : _relays.DefaultIfEmpty(buttonChannel).First();
        SetChannel(target, null, toggle: true);
    }

    /// <summary>Sets what the meter measures; published by the meter rule on the next driver updates.</summary>
    public void SetPowerReading(double voltage, double current, double power)
    {
        if (Meter is null)
        {
            throw new InvalidOperationException($"Plug {ClientTopic} has no power meter");
        }
        lock (_gate)
        {
            Meter.Voltage = voltage;
            Meter.Current = current;
            Meter.Power = power;
        }
    }

    /// <summary>Drives a digital input (e.g. a door contact) and publishes the change.</summary>
    public void SetInput(int channel, bool level) => SetChannel(channel, level ? 1 : 0, toggle: false);

    private async Task ConnectLoopAsync(CancellationToken ct)
    {
        try
        {
            await ConnectLoopCoreAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // powered off
        }
    }

    private async Task ConnectLoopCoreAsync(CancellationToken ct)
    {
        while (_poweredOn && !ct.IsCancellationRequested)
        {
            var connected = false;
            await _scheduler.ConnectGate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                connected = await TryConnectAsync(ct).ConfigureAwait(false);
            }
            finally
            {
                _scheduler.ConnectGate.Release();
            }
            if (connected)
            {
                await _disconnected.Task.WaitAsync(ct).ConfigureAwait(false);
            }
            if (!_poweredOn)
            {
                break;
            }
            await Task.Delay(Settings.ReconnectDelay, ct).ConfigureAwait(false);
        }
    }

    private async Task<bool> TryConnectAsync(CancellationToken ct)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(Settings.BrokerHost, Settings.BrokerPort)
            .WithClientId(ClientTopic)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithCleanSession()
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(100))
            .WithTimeout(TimeSpan.FromSeconds(10))
            .WithWillTopic($"{ClientTopic}/connected")
            .WithWillPayload("offline")
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithWillRetain();
        if (MqttUsername is { Length: > 0 } user)
        {
            builder = builder.WithCredentials(user, MqttLoginPassword ?? "");
        }
        client.ApplicationMessageReceivedAsync += e =>
        {
            Interlocked.Increment(ref _messagesReceived);
            OnMessage(e.ApplicationMessage.Topic, e.ApplicationMessage.ConvertPayloadToString() ?? "");
            return Task.CompletedTask;
        };
        var disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.DisconnectedAsync += _ =>
        {
            disconnected.TrySetResult();
            return Task.CompletedTask;
        };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(15));
            await client.ConnectAsync(builder.Build(), timeout.Token).ConfigureAwait(false);
            var subscribe = new MqttClientSubscribeOptionsBuilder();
            foreach (var filter in SubscriptionFilters())
            {
                subscribe = subscribe.WithTopicFilter(f => f.WithTopic(filter).WithAtLeastOnceQoS());
            }
            await client.SubscribeAsync(subscribe.Build(), timeout.Token).ConfigureAwait(false);
            await client.PublishAsync(Message($"{ClientTopic}/connected", "online", MqttQualityOfServiceLevel.ExactlyOnce, retain: true), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _logger.LogDebug("Plug {Topic}: MQTT connect failed: {Message}", ClientTopic, ex.Message);
            client.Dispose();
            return false;
        }
        if (!_poweredOn)
        {
            client.Dispose();
            return false;
        }
        _disconnected = disconnected;
        _client = client;
        lock (_gate)
        {
            ConnectionCount++;
            Meter?.ForceNextPublish();
            _broadcast.Clear();
            if (HasFlag(10))
            {
                QueueFullBroadcast();
            }
            if (HasFlag(27))
            {
                _discoveryDueMs = PlugScheduler.NowMs + 1000;
            }
        }
        return true;
    }

    private IEnumerable<string> SubscriptionFilters()
    {
        yield return $"{ClientTopic}/+/set";
        if (!string.IsNullOrEmpty(Settings.GroupTopic))
        {
            yield return $"{Settings.GroupTopic}/+/set";
        }
        yield return $"cmnd/{ClientTopic}/+";
        if (!string.IsNullOrEmpty(Settings.GroupTopic))
        {
            yield return $"cmnd/{Settings.GroupTopic}/+";
        }
        yield return $"{ClientTopic}/+/get";
        yield return "homeassistant/+";
    }

    private void OnMessage(string topic, string payload)
    {
        var parts = topic.Split('/');
        if (parts.Length == 3 && parts[2] == "set" && (parts[0] == ClientTopic || parts[0] == Settings.GroupTopic))
        {
            if (int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ch) && ch <= MaxChannel)
            {
                if (payload.StartsWith("toggle", StringComparison.OrdinalIgnoreCase))
                {
                    SetChannel(ch, null, toggle: true);
                }
                else
                {
                    SetChannel(ch, AtoI(payload), toggle: false);
                }
            }
        }
        else if (parts.Length == 3 && parts[0] == "cmnd" && (parts[1] == ClientTopic || parts[1] == Settings.GroupTopic))
        {
            var line = payload.Length == 0 ? parts[2] : $"{parts[2]} {payload}";
            ExecuteFromMqtt(parts[2], line);
        }
        else if (parts.Length == 3 && parts[0] == ClientTopic && parts[2] == "get" && payload.Length == 0)
        {
            if (int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ch) && ch <= 32)
            {
                Publish($"{ClientTopic}/{ch}/get", GetChannel(ch).ToString(CultureInfo.InvariantCulture), retain: RetainChannels);
            }
        }
        else if (topic == "homeassistant/status" && payload == "online")
        {
            lock (_gate)
            {
                QueueFullBroadcast();
            }
        }
    }

    /// <summary>C <c>atoi</c>: optional sign and leading digits, anything else gives 0 (so <c>ON</c> and <c>OFF</c> are both 0).</summary>
    internal static int AtoI(string text)
    {
        var s = text.TrimStart();
        var i = 0;
        var sign = 1;
        if (i < s.Length && (s[i] == '-' || s[i] == '+'))
        {
            sign = s[i] == '-' ? -1 : 1;
            i++;
        }
        long value = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i]) && value < int.MaxValue)
        {
            value = (value * 10) + (s[i] - '0');
            i++;
        }
        return (int)Math.Clamp(sign * value, int.MinValue, int.MaxValue);
    }

    private bool RetainChannels => HasFlag(21) || HasFlag(7);

    internal bool HasFlag(int bit) => (Flags & (1UL << bit)) != 0;

    /// <summary>Sets a channel; publishes only when the value changed (firmware <c>CHANNEL_Set</c> without force).</summary>
    internal int SetChannel(int channel, int? value, bool toggle, bool force = false)
    {
        int newValue;
        bool changed;
        lock (_gate)
        {
            var old = _channels[channel];
            newValue = toggle ? (old > 0 ? 0 : MaxValueOf(channel)) : value ?? old;
            changed = newValue != old;
            _channels[channel] = newValue;
        }
        if ((changed || force) && IsPublishable(channel))
        {
            Publish($"{ClientTopic}/{channel}/get", newValue.ToString(CultureInfo.InvariantCulture), retain: RetainChannels);
        }
        if (changed)
        {
            ChannelChanged?.Invoke(this, channel, newValue);
        }
        return newValue;
    }

    private int MaxValueOf(int channel) => _relays.Contains(channel) || _inputs.Contains(channel) ? 1 : 100;

    private bool IsPublishable(int channel) => _relays.Contains(channel) || _inputs.Contains(channel) || HasFlag(39);

    private void QueueFullBroadcast()
    {
        var c = ClientTopic;
        _broadcast.Clear();
        _broadcast.Enqueue(() => Message($"{c}/host", ShortName));
        _broadcast.Enqueue(() => Message($"{c}/build", BuildString));
        _broadcast.Enqueue(() => Message($"{c}/mac", Settings.Mac));
        _broadcast.Enqueue(() => Message($"{c}/temp", "31.50"));
        _broadcast.Enqueue(() => Message($"{c}/ssid", Settings.Ssid));
        _broadcast.Enqueue(() => Message($"{c}/datetime", DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));
        _broadcast.Enqueue(() => Message($"{c}/sockets", "4"));
        _broadcast.Enqueue(() => Message($"{c}/rssi", Rssi.ToString(CultureInfo.InvariantCulture)));
        _broadcast.Enqueue(() => Message($"{c}/uptime", ((long)Uptime.TotalSeconds).ToString(CultureInfo.InvariantCulture)));
        _broadcast.Enqueue(() => Message($"{c}/freeheap", "98304"));
        _broadcast.Enqueue(() => Message($"{c}/ip", Settings.Ip));
        QueueChannelBroadcast();
        _nextBroadcastMs = Math.Max(_nextBroadcastMs, PlugScheduler.NowMs);
    }

    private void QueueChannelBroadcast()
    {
        for (var ch = 0; ch <= MaxChannel; ch++)
        {
            if (IsPublishable(ch))
            {
                var channel = ch;
                _broadcast.Enqueue(() => Message($"{ClientTopic}/{channel}/get", GetChannel(channel).ToString(CultureInfo.InvariantCulture), retain: RetainChannels));
            }
        }
    }

    internal string BuildString => $"Open{Settings.Chip} {FirmwareVersion} Jan 17 2026 12:00:00";

    /// <summary>Called by the scheduler every tick: paced broadcast and discovery items, meter once a second.</summary>
    internal void Tick(long nowMs)
    {
        if (!IsConnected)
        {
            return;
        }
        List<MqttApplicationMessage>? due = null;
        lock (_gate)
        {
            var step = (long)(1000 / Math.Max(0.001, Settings.BroadcastItemsPerSecond));
            while (_broadcast.Count > 0 && nowMs >= _nextBroadcastMs)
            {
                var message = _broadcast.Dequeue()();
                if (message is not null)
                {
                    (due ??= []).Add(message);
                }
                _nextBroadcastMs = Math.Max(_nextBroadcastMs + step, nowMs - step);
            }
            if (nowMs >= _discoveryDueMs)
            {
                _discoveryDueMs = long.MaxValue;
                QueueOwnDiscovery();
                _nextDiscoveryMs = nowMs;
            }
            var discoveryStep = (long)(1000 / Math.Max(0.001, Settings.DiscoveryMessagesPerSecond));
            while (_discovery.Count > 0 && nowMs >= _nextDiscoveryMs)
            {
                (due ??= []).Add(_discovery.Dequeue());
                _nextDiscoveryMs += discoveryStep;
                if (_discovery.Count == 0)
                {
                    QueueChannelBroadcast();
                }
            }
            if (Meter is not null && nowMs >= _nextMeterMs)
            {
                _nextMeterMs = nowMs + 1000;
                foreach (var (name, text) in Meter.Update())
                {
                    (due ??= []).Add(Message($"{ClientTopic}/{name}/get", text, MqttQualityOfServiceLevel.AtMostOnce));
                }
            }
        }
        if (due is not null)
        {
            foreach (var message in due)
            {
                _outbox.Writer.TryWrite(message);
            }
        }
    }

    internal void Publish(string topic, string payload, bool retain = false, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce)
    {
        if (HasFlag(7))
        {
            retain = true;
        }
        _outbox.Writer.TryWrite(Message(topic, payload, qos, retain));
    }

    private static MqttApplicationMessage Message(string topic, string payload, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce, bool retain = false) =>
        new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(qos).WithRetainFlag(retain).Build();

    private async Task PumpAsync()
    {
        try
        {
            await foreach (var message in _outbox.Reader.ReadAllAsync(_life.Token).ConfigureAwait(false))
            {
                var client = _client;
                if (client is null || !client.IsConnected)
                {
                    continue; // the firmware's publish fails while offline; nothing is queued for later
                }
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                    await client.PublishAsync(message, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !_life.IsCancellationRequested)
                {
                    _logger.LogDebug("Plug {Topic}: publish {MessageTopic} failed: {Message}", ClientTopic, message.Topic, ex.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // disposed
        }
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
