using System.Collections.Concurrent;
using MQTTnet;
using MQTTnet.Protocol;
using OpenBekenHub.Mqtt.Security;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Configs;

/// <summary>
/// Plays Home Assistant on a hub's embedded broker: its own account, subscribed to <c>homeassistant/#</c> and the hub's
/// per-device topics (<c>obkhub/devices/#</c>), records all it receives.
/// </summary>
internal sealed class HomeAssistantProbe : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();

    public ConcurrentQueue<(string Topic, string Payload, DateTimeOffset At)> Received { get; } = new();

    public static async Task<HomeAssistantProbe> ConnectAsync(HubHost hub)
    {
        var probe = new HomeAssistantProbe();
        probe._client.ApplicationMessageReceivedAsync += e =>
        {
            probe.Received.Enqueue((e.ApplicationMessage.Topic, e.ApplicationMessage.ConvertPayloadToString() ?? "", DateTimeOffset.UtcNow));
            return Task.CompletedTask;
        };
        var ha = hub.Service<BrokerAccounts>().HomeAssistant;
        var port = hub.Service<OpenBekenHub.Hosting.EmbeddedBrokerService>().Broker!.Port;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await probe._client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("ha-" + Guid.NewGuid().ToString("N")[..8])
            .WithCredentials(ha.Username, ha.Password).Build(), timeout.Token);
        await probe._client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic("homeassistant/#").WithAtLeastOnceQoS())
            .WithTopicFilter(f => f.WithTopic("obkhub/devices/#").WithAtLeastOnceQoS()).Build(), timeout.Token);
        return probe;
    }

    /// <summary>The last payload seen on <paramref name="topic"/> (empty = removed), or null.</summary>
    public string? Last(string topic) => Received.Where(m => m.Topic == topic).Select(m => m.Payload).LastOrDefault();

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
