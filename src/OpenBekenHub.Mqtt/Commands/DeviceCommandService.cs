using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenBekenHub.Mqtt.Connection;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.Events;

namespace OpenBekenHub.Mqtt.Commands;

public enum ChannelAction
{
    On,
    Off,
    Toggle,
}

public enum CommandStatus
{
    /// <summary>Done and confirmed by the device.</summary>
    Ok,

    /// <summary>Published; the firmware sends no confirmation for this command.</summary>
    Sent,

    /// <summary>Published, but the device did not confirm within the bound.</summary>
    Timeout,
    NotFound,
    BadRequest,

    /// <summary>The bridge is not connected to the broker.</summary>
    Unavailable,
}

/// <summary>The response envelope of every command: status, the device's reply text (if any), error, device state after.</summary>
public sealed record CommandResult(CommandStatus Status, string? Reply = null, string? Error = null, DeviceSnapshot? Device = null)
{
    public bool Succeeded => Status is CommandStatus.Ok or CommandStatus.Sent;
}

/// <summary>Options of the command service, section "Bridge": Bridge:CommandTimeout, Bridge:DeviceHttpPort, Bridge:UseHttpForConsole.</summary>
public sealed class BridgeOptions
{
    public const string SectionName = "Bridge";

    /// <summary>How long to wait for a device to confirm a command.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Port of the plugs' HTTP server (the firmware uses 80).</summary>
    public int DeviceHttpPort { get; set; } = 80;

    /// <summary>Run console commands over HTTP <c>/cm</c> when the device's IP is known (every command gets a reply there).</summary>
    public bool UseHttpForConsole { get; set; } = true;

    /// <summary>Web password of the plugs (Basic auth user <c>admin</c>), if they have one.</summary>
    public string? DeviceWebPassword { get; set; }
}

/// <summary>
/// Commands to plugs, minding the firmware: relays are switched with <c>1</c>/<c>0</c>/<c>toggle</c> on
/// <c>&lt;c&gt;/&lt;ch&gt;/set</c> (never <c>ON</c>/<c>OFF</c>, both mean off); setting the current value publishes nothing,
/// so that case is answered from the known state. Console commands go over HTTP <c>/cm</c> when possible (every
/// command has a JSON reply there), otherwise over <c>cmnd/&lt;c&gt;/&lt;command&gt;</c> where only POWER, STATE and STATUS reply.
/// </summary>
public sealed class DeviceCommandService : IDisposable
{
    private readonly BrokerConnection _connection;
    private readonly DeviceRegistry _registry;
    private readonly HubEventBus _bus;
    private readonly BridgeOptions _options;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly Lock _gate = new();
    private readonly List<(string Topic, string Kind, TaskCompletionSource<string> Reply)> _waiters = [];

    public DeviceCommandService(BrokerConnection connection, DeviceRegistry registry, HubEventBus bus, BridgeOptions options, ILogger<DeviceCommandService>? logger = null, HttpClient? http = null)
    {
        _connection = connection;
        _registry = registry;
        _bus = bus;
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _http = http ?? new HttpClient { Timeout = options.CommandTimeout };
        _registry.StatReceived += OnStat;
    }

    public async Task<CommandResult> SetChannelAsync(string deviceId, int channel, ChannelAction action, CancellationToken ct = default)
    {
        var device = _registry.Find(deviceId);
        if (device is null)
        {
            return new CommandResult(CommandStatus.NotFound, Error: $"No device '{deviceId}'");
        }
        if (channel is < 0 or > 64)
        {
            return new CommandResult(CommandStatus.BadRequest, Error: "Channel must be 0-64");
        }
        var known = device.Channels.TryGetValue(channel, out var current);
        int? expected = action switch
        {
            ChannelAction.On => 1,
            ChannelAction.Off => 0,
            _ => known ? (current > 0 ? 0 : 1) : null,
        };
        if (known && expected is not null && (expected > 0) == (current > 0) && action != ChannelAction.Toggle)
        {
            return new CommandResult(CommandStatus.Ok, Device: device); // the firmware would publish nothing
        }
        var payload = action switch
        {
            ChannelAction.On => "1",
            ChannelAction.Off => "0",
            _ => "toggle",
        };
        return await SetAndConfirmAsync(device, channel, payload, v => expected is null || (v > 0) == (expected > 0), ct).ConfigureAwait(false);
    }

    /// <summary>Sets a dimmer (PWM/Dimmer channel) to 0-100.</summary>
    public async Task<CommandResult> SetDimmerAsync(string deviceId, int channel, int value, CancellationToken ct = default)
    {
        var device = _registry.Find(deviceId);
        if (device is null)
        {
            return new CommandResult(CommandStatus.NotFound, Error: $"No device '{deviceId}'");
        }
        if (value is < 0 or > 100 || channel is < 0 or > 64)
        {
            return new CommandResult(CommandStatus.BadRequest, Error: "Dimmer value must be 0-100 and channel 0-64");
        }
        if (device.Channels.TryGetValue(channel, out var current) && current == value)
        {
            return new CommandResult(CommandStatus.Ok, Device: device);
        }
        return await SetAndConfirmAsync(device, channel, value.ToString(CultureInfo.InvariantCulture), v => v == value, ct).ConfigureAwait(false);
    }

    private async Task<CommandResult> SetAndConfirmAsync(DeviceSnapshot device, int channel, string payload, Func<int, bool> confirms, CancellationToken ct)
    {
        if (!_connection.IsConnected)
        {
            return new CommandResult(CommandStatus.Unavailable, Error: "The bridge is not connected to the MQTT broker");
        }
        using var subscription = _bus.Subscribe(256);
        await _connection.PublishAsync(ObkTopics.ChannelSet(device.ClientTopic, channel), payload, ct: ct).ConfigureAwait(false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.CommandTimeout);
        try
        {
            await foreach (var e in subscription.ReadAllAsync(timeout.Token).ConfigureAwait(false))
            {
                if (e is ChannelChanged cc && cc.DeviceId == device.Id && cc.Channel == channel && confirms(cc.Value))
                {
                    return new CommandResult(CommandStatus.Ok, Device: _registry.Find(device.Id));
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // bound reached
        }
        return new CommandResult(CommandStatus.Timeout, Error: $"{device.ClientTopic} did not confirm channel {channel} within {_options.CommandTimeout.TotalSeconds:0} s (offline?)", Device: _registry.Find(device.Id));
    }

    public async Task<CommandResult> RestartAsync(string deviceId, CancellationToken ct = default)
    {
        var device = _registry.Find(deviceId);
        if (device is null)
        {
            return new CommandResult(CommandStatus.NotFound, Error: $"No device '{deviceId}'");
        }
        if (!_connection.IsConnected)
        {
            return new CommandResult(CommandStatus.Unavailable, Error: "The bridge is not connected to the MQTT broker");
        }
        await _connection.PublishAsync(ObkTopics.Command(device.ClientTopic, "restart"), "", ct: ct).ConfigureAwait(false);
        return new CommandResult(CommandStatus.Sent, Device: device);
    }

    /// <summary>Runs any console command (e.g. <c>POWER TOGGLE</c>, <c>STATUS 5</c>, <c>Flags</c>) and returns the device's reply.</summary>
    public async Task<CommandResult> ExecuteAsync(string deviceId, string commandLine, CancellationToken ct = default)
    {
        var device = _registry.Find(deviceId);
        if (device is null)
        {
            return new CommandResult(CommandStatus.NotFound, Error: $"No device '{deviceId}'");
        }
        var line = (commandLine ?? "").Trim();
        if (line.Length == 0 || line.Length > 1000 || line.Contains('\n', StringComparison.Ordinal))
        {
            return new CommandResult(CommandStatus.BadRequest, Error: "A command is one line of 1-1000 characters");
        }
        if (_options.UseHttpForConsole && device.Record.Ip is not null && line.Length <= 120)
        {
            // Longer /cm commands run twice in the firmware (openbeken.md §3.3): those go over MQTT.
            var reply = await TryHttpAsync(device, line, ct).ConfigureAwait(false);
            if (reply is not null)
            {
                return new CommandResult(CommandStatus.Ok, Reply: reply, Device: _registry.Find(deviceId));
            }
        }
        return await ExecuteOverMqttAsync(device, line, ct).ConfigureAwait(false);
    }

    private async Task<string?> TryHttpAsync(DeviceSnapshot device, string line, CancellationToken ct)
    {
        var uri = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://{device.Record.Ip}:{_options.DeviceHttpPort}/cm?cmnd={Uri.EscapeDataString(line)}"));
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            if (!string.IsNullOrEmpty(_options.DeviceWebPassword))
            {
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
                    Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("admin:" + _options.DeviceWebPassword)));
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_options.CommandTimeout);
            using var response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            return await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException && !ct.IsCancellationRequested)
        {
            _logger.LogDebug("HTTP command to {Device} failed ({Message}); falling back to MQTT", device.Id, ex.Message);
            return null;
        }
    }

    private async Task<CommandResult> ExecuteOverMqttAsync(DeviceSnapshot device, string line, CancellationToken ct)
    {
        if (!_connection.IsConnected)
        {
            return new CommandResult(CommandStatus.Unavailable, Error: "The bridge is not connected to the MQTT broker");
        }
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var name = space < 0 ? line : line[..space];
        var args = space < 0 ? "" : line[(space + 1)..].Trim();
        if (name.Contains('/', StringComparison.Ordinal) || name.Contains('+', StringComparison.Ordinal) || name.Contains('#', StringComparison.Ordinal))
        {
            return new CommandResult(CommandStatus.BadRequest, Error: "A command name cannot contain '/', '+' or '#'");
        }
        var upper = name.ToUpperInvariant();
        string? kind = upper.StartsWith("POWER", StringComparison.Ordinal) || upper is "STATE" or "DIMMER" or "CT" or "COLOR" or "HSBCOLOR"
            ? "RESULT"
            : upper == "STATUS" ? "STATUS" + (args is "2" or "4" or "5" or "6" or "7" or "8" or "10" or "11" ? args : "") : null;
        TaskCompletionSource<string>? waiter = null;
        if (kind is not null)
        {
            waiter = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                _waiters.Add((device.ClientTopic, kind, waiter));
            }
        }
        try
        {
            await _connection.PublishAsync(ObkTopics.Command(device.ClientTopic, name), args, ct: ct).ConfigureAwait(false);
            if (waiter is null)
            {
                return new CommandResult(CommandStatus.Sent, Device: device);
            }
            var reply = await waiter.Task.WaitAsync(_options.CommandTimeout, ct).ConfigureAwait(false);
            return new CommandResult(CommandStatus.Ok, Reply: reply, Device: _registry.Find(device.Id));
        }
        catch (TimeoutException)
        {
            return new CommandResult(CommandStatus.Timeout, Error: $"No stat/{device.ClientTopic}/{kind} reply within {_options.CommandTimeout.TotalSeconds:0} s", Device: device);
        }
        finally
        {
            if (waiter is not null)
            {
                lock (_gate)
                {
                    _waiters.RemoveAll(w => w.Reply == waiter);
                }
            }
        }
    }

    private void OnStat(string clientTopic, string kind, string payload)
    {
        lock (_gate)
        {
            foreach (var w in _waiters)
            {
                if (w.Topic == clientTopic && w.Kind == kind)
                {
                    w.Reply.TrySetResult(payload);
                }
            }
        }
    }

    public void Dispose()
    {
        _registry.StatReceived -= OnStat;
        _http.Dispose();
    }
}
