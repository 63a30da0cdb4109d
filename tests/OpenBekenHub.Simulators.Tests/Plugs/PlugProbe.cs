using System.Collections.Concurrent;
using MQTTnet;
using MQTTnet.Protocol;

namespace OpenBekenHub.Simulators.Tests.Plugs;

/// <summary>A plain MQTT client that records messages, to watch a simulated plug from the outside.</summary>
internal sealed class PlugProbe : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();

    public ConcurrentQueue<(string Topic, string Payload, bool Retain)> Received { get; } = new();

    public static async Task<PlugProbe> ConnectAsync(int port, params string[] filters)
    {
        var probe = new PlugProbe();
        probe._client.ApplicationMessageReceivedAsync += e =>
        {
            probe.Received.Enqueue((e.ApplicationMessage.Topic, e.ApplicationMessage.ConvertPayloadToString() ?? "", e.ApplicationMessage.Retain));
            return Task.CompletedTask;
        };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await probe._client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("probe-" + Guid.NewGuid().ToString("N")[..8]).Build(), timeout.Token);
        foreach (var filter in filters)
        {
            await probe._client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(f => f.WithTopic(filter).WithAtLeastOnceQoS()).Build(), timeout.Token);
        }
        return probe;
    }

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
