using System.Globalization;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace OpenBekenHub.Simulators.Plugs;

/// <summary>
/// The plug's MQTT session as the firmware runs it: client id = client topic, retained LWT <c>connected</c>, the
/// subscriptions of <c>MQTT_do_connect</c>, <c>set</c>/<c>get</c>/<c>cmnd</c> handling, and publishes that are lost
/// while offline (nothing is queued for later).
/// </summary>
public sealed partial class SimulatedPlug
{
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
}
