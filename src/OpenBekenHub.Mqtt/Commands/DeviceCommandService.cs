using System.Globalization;
using Microsoft.Extensions.Logging;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.Events;
using OpenBekenHub.Mqtt.Extensions;
using OpenBekenHub.Mqtt.Options;

namespace OpenBekenHub.Mqtt.Commands;

/// <summary>
/// Commands to plugs, minding the firmware: relays are switched with <c>1</c>/<c>0</c>/<c>toggle</c> on
/// <c>&lt;c&gt;/&lt;ch&gt;/set</c> (never <c>ON</c>/<c>OFF</c>, both mean off), and the confirmation is the plug's own state
/// publish. Console commands go over HTTP <c>/cm</c> when the plug reported a usable IP, otherwise over
/// <c>cmnd/&lt;c&gt;/&lt;command&gt;</c> where only POWER, STATE and STATUS reply. A plug known to be offline, or a broker that
/// is down, fails at once with the reason; nothing is ever reported as done that the plug did not confirm.
/// </summary>
public sealed class DeviceCommandService : IBridgeExtension, IDisposable
{
    private readonly BridgeOptions _options;
    private readonly HttpClient _http;
    private readonly DeviceHttp _deviceHttp;
    private BridgeContext? _bridge;
    private ILogger? _logger;

    public DeviceCommandService(BridgeOptions options, HttpClient? http = null)
    {
        _options = options;
        _http = http ?? new HttpClient { Timeout = Timeout.InfiniteTimeSpan }; // bounded per call by CommandTimeout
        _deviceHttp = new DeviceHttp(options, _http);
    }

    public string Name => "commands";

    public Task StartAsync(BridgeContext context, CancellationToken ct)
    {
        _bridge = context ?? throw new ArgumentNullException(nameof(context));
        _logger = context.Loggers.CreateLogger<DeviceCommandService>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

    private BridgeContext Bridge => _bridge ?? throw new InvalidOperationException("The command service is not started");

    /// <summary>The device, or why no command can go to it now.</summary>
    private (DeviceSnapshot? Device, CommandResult? Refusal) Target(string deviceId)
    {
        if (Bridge.State.Find(deviceId) is not { } device)
        {
            return (null, new CommandResult(CommandStatus.NotFound, Error: $"No device '{deviceId}'"));
        }
        if (!Bridge.IsConnected)
        {
            return (device, new CommandResult(CommandStatus.Unavailable, Error: "The hub is not connected to the MQTT broker", Device: device));
        }
        if (device.Availability == Availability.Offline)
        {
            return (device, new CommandResult(CommandStatus.Offline, Error: $"{device.Record.DisplayName} is offline; nothing was sent", Device: device));
        }
        return (device, null);
    }

    public async Task<CommandResult> SetChannelAsync(string deviceId, int channel, ChannelAction action, CancellationToken ct = default)
    {
        if (channel is < 0 or > 64)
        {
            return new CommandResult(CommandStatus.BadRequest, Error: "Channel must be 0-64");
        }
        var (device, refusal) = Target(deviceId);
        if (refusal is not null)
        {
            return refusal;
        }
        var known = device!.Channels.TryGetValue(channel, out var current);
        int? expected = action switch
        {
            ChannelAction.On => 1,
            ChannelAction.Off => 0,
            _ => known ? (current > 0 ? 0 : 1) : null,
        };
        if (known && device.Online && action != ChannelAction.Toggle && (expected > 0) == (current > 0))
        {
            return new CommandResult(CommandStatus.Ok, Device: device); // the firmware publishes nothing for the value it has
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
        if (value is < 0 or > 100 || channel is < 0 or > 64)
        {
            return new CommandResult(CommandStatus.BadRequest, Error: "Dimmer value must be 0-100 and channel 0-64");
        }
        var (device, refusal) = Target(deviceId);
        if (refusal is not null)
        {
            return refusal;
        }
        if (device!.Online && device.Channels.TryGetValue(channel, out var current) && current == value)
        {
            return new CommandResult(CommandStatus.Ok, Device: device);
        }
        return await SetAndConfirmAsync(device, channel, value.ToString(CultureInfo.InvariantCulture), v => v == value, ct).ConfigureAwait(false);
    }

    private async Task<CommandResult> SetAndConfirmAsync(DeviceSnapshot device, int channel, string payload, Func<int, bool> confirms, CancellationToken ct)
    {
        var confirmed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listen = Bridge.Bus.On(Name, e =>
        {
            if (e is ChannelChanged cc && cc.DeviceId == device.Id && cc.Channel == channel && confirms(cc.Value))
            {
                confirmed.TrySetResult();
            }
        });
        var failed = await PublishAsync(device, ObkTopics.ChannelSet(device.ClientTopic, channel), payload, ct).ConfigureAwait(false);
        if (failed is not null)
        {
            return failed;
        }
        try
        {
            await confirmed.Task.WaitAsync(_options.CommandTimeout, ct).ConfigureAwait(false);
            return new CommandResult(CommandStatus.Ok, Device: Bridge.State.Find(device.Id));
        }
        catch (TimeoutException)
        {
            return new CommandResult(CommandStatus.Timeout, Error: $"{device.Record.DisplayName} did not confirm channel {channel} within {_options.CommandTimeout.TotalSeconds:0.#} s",
                Device: Bridge.State.Find(device.Id));
        }
    }

    public async Task<CommandResult> RestartAsync(string deviceId, CancellationToken ct = default)
    {
        var (device, refusal) = Target(deviceId);
        if (refusal is not null)
        {
            return refusal;
        }
        return await PublishAsync(device!, ObkTopics.Command(device!.ClientTopic, "restart"), "", ct).ConfigureAwait(false)
            ?? new CommandResult(CommandStatus.Sent, Device: device);
    }

    /// <summary>Runs any console command (e.g. <c>POWER TOGGLE</c>, <c>STATUS 5</c>, <c>Flags</c>) and returns the device's reply.</summary>
    public async Task<CommandResult> ExecuteAsync(string deviceId, string commandLine, CancellationToken ct = default)
    {
        var line = (commandLine ?? "").Trim();
        if (line.Length == 0 || line.Length > 1000 || line.Contains('\n', StringComparison.Ordinal))
        {
            return new CommandResult(CommandStatus.BadRequest, Error: "A command is one line of 1-1000 characters");
        }
        var (device, refusal) = Target(deviceId);
        if (refusal is not null)
        {
            return refusal;
        }
        // longer /cm commands run twice in the firmware (openbeken.md §3.3): those go over MQTT
        if (_options.UseHttpForConsole && device!.Record.Ip is { } ip && line.Length <= 120)
        {
            var outcome = await _deviceHttp.RunAsync(ip, line, ct).ConfigureAwait(false);
            if (outcome.RefusedWith is { } status)
            {
                return new CommandResult(CommandStatus.DeviceError, Error: DeviceHttp.Describe(status), Device: Bridge.State.Find(deviceId));
            }
            if (outcome.Reply is not null)
            {
                return new CommandResult(CommandStatus.Ok, Reply: outcome.Reply, Device: Bridge.State.Find(deviceId));
            }
            _logger!.LogDebug("HTTP command to {Device} not possible ({Reason}); using MQTT", deviceId, outcome.Unreachable);
        }
        return await ExecuteOverMqttAsync(device!, line, ct).ConfigureAwait(false);
    }

    private async Task<CommandResult> ExecuteOverMqttAsync(DeviceSnapshot device, string line, CancellationToken ct)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var name = space < 0 ? line : line[..space];
        var args = space < 0 ? "" : line[(space + 1)..].Trim();
        if (name.IndexOfAny(['/', '+', '#']) >= 0)
        {
            return new CommandResult(CommandStatus.BadRequest, Error: "A command name cannot contain '/', '+' or '#'");
        }
        var upper = name.ToUpperInvariant();
        string? kind = upper.StartsWith("POWER", StringComparison.Ordinal) || upper is "STATE" or "DIMMER" or "CT" or "COLOR" or "HSBCOLOR"
            ? "RESULT"
            : upper == "STATUS" ? "STATUS" + (args is "2" or "4" or "5" or "6" or "7" or "8" or "10" or "11" ? args : "") : null;
        var reply = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listen = kind is null ? null : Bridge.Bus.On(Name, e =>
        {
            if (e is StatReplyReceived s && s.DeviceId == device.Id && s.StatKind == kind)
            {
                reply.TrySetResult(s.Payload);
            }
        });
        var failed = await PublishAsync(device, ObkTopics.Command(device.ClientTopic, name), args, ct).ConfigureAwait(false);
        if (failed is not null)
        {
            return failed;
        }
        if (kind is null)
        {
            return new CommandResult(CommandStatus.Sent, Device: device);
        }
        try
        {
            var text = await reply.Task.WaitAsync(_options.CommandTimeout, ct).ConfigureAwait(false);
            return new CommandResult(CommandStatus.Ok, Reply: text, Device: Bridge.State.Find(device.Id));
        }
        catch (TimeoutException)
        {
            return new CommandResult(CommandStatus.Timeout, Error: $"No stat/{device.ClientTopic}/{kind} reply within {_options.CommandTimeout.TotalSeconds:0.#} s", Device: device);
        }
    }

    /// <summary>Publishes; a failure becomes a result, never an exception out of the envelope.</summary>
    private async Task<CommandResult?> PublishAsync(DeviceSnapshot device, string topic, string payload, CancellationToken ct)
    {
        try
        {
            await Bridge.PublishAsync(topic, payload, ct: ct).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return new CommandResult(Bridge.IsConnected ? CommandStatus.Failed : CommandStatus.Unavailable, Error: $"Sending to {device.Record.DisplayName} failed: {ex.Message}", Device: device);
        }
    }

    public void Dispose() => _http.Dispose();
}
