using System.Collections.Concurrent;
using MQTTnet;
using MQTTnet.Protocol;

namespace OpenBekenHub.TestKit;

/// <summary>One message a probe received, with when it arrived.</summary>
public sealed record ProbeMessage(string Topic, string Payload, bool Retain, DateTimeOffset At);

/// <summary>A plain MQTT client that records everything it receives: watches plugs, the hub or Home Assistant's view from outside.</summary>
public sealed class MqttProbe : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();

    public ConcurrentQueue<ProbeMessage> Received { get; } = new();

    /// <summary>Connects to 127.0.0.1:<paramref name="port"/> (with <paramref name="login"/> when the broker has accounts) and subscribes.</summary>
    public static async Task<MqttProbe> ConnectAsync(int port, (string Username, string Password)? login, params string[] filters)
    {
        ArgumentNullException.ThrowIfNull(filters);
        var probe = new MqttProbe();
        probe._client.ApplicationMessageReceivedAsync += e =>
        {
            var m = e.ApplicationMessage;
            probe.Received.Enqueue(new ProbeMessage(m.Topic, m.ConvertPayloadToString() ?? "", m.Retain, DateTimeOffset.UtcNow));
            return Task.CompletedTask;
        };
        var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("probe-" + Guid.NewGuid().ToString("N")[..8]);
        if (login is { } l)
        {
            options = options.WithCredentials(l.Username, l.Password);
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await probe._client.ConnectAsync(options.Build(), timeout.Token);
        foreach (var filter in filters)
        {
            await probe._client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(f => f.WithTopic(filter).WithAtLeastOnceQoS()).Build(), timeout.Token);
        }
        return probe;
    }

    /// <summary>The last payload seen on <paramref name="topic"/> (empty = removed), or null.</summary>
    public string? Last(string topic) => Received.Where(m => m.Topic == topic).Select(m => m.Payload).LastOrDefault();

    public List<string> Payloads(string topic) => Received.Where(m => m.Topic == topic).Select(m => m.Payload).ToList();

    public async Task PublishAsync(string topic, string payload)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }
        _client.Dispose();
    }
}
