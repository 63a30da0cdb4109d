using System.Collections.Concurrent;
using MQTTnet;
using MQTTnet.Protocol;

namespace OpenBekenHub.Mqtt.Tests;

/// <summary>A plain MQTT client that records what it receives: plays Home Assistant or a bystander in tests.</summary>
public sealed class MqttProbe : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();

    public ConcurrentQueue<(string Topic, string Payload, bool Retain, DateTimeOffset At)> Received { get; } = new();

    public static async Task<MqttProbe> ConnectAsync(string host, int port, params string[] filters)
    {
        var probe = new MqttProbe();
        probe._client.ApplicationMessageReceivedAsync += e =>
        {
            probe.Received.Enqueue((e.ApplicationMessage.Topic, e.ApplicationMessage.ConvertPayloadToString() ?? "", e.ApplicationMessage.Retain, DateTimeOffset.UtcNow));
            return Task.CompletedTask;
        };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await probe._client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(host, port).WithClientId("probe-" + Guid.NewGuid().ToString("N")[..8]).Build(), timeout.Token);
        foreach (var filter in filters)
        {
            await probe._client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(f => f.WithTopic(filter).WithAtLeastOnceQoS()).Build(), timeout.Token);
        }
        return probe;
    }

    public IEnumerable<(string Topic, string Payload, bool Retain, DateTimeOffset At)> On(string topic) => Received.Where(m => m.Topic == topic);

    public async Task PublishAsync(string topic, string payload, bool retain = false)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithRetainFlag(retain)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_client.IsConnected)
            {
                await _client.DisconnectAsync();
            }
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
            // broker already gone
        }
        _client.Dispose();
    }
}
