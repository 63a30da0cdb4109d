using System.Collections.Concurrent;
using System.Diagnostics;
using MQTTnet;
using MQTTnet.Protocol;

namespace OpenBekenHub.Cli;

/// <summary>A plain MQTTnet client that time-stamps what it receives.</summary>
internal sealed class BenchProbe : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();

    public bool IsConnected => _client.IsConnected;
    private readonly ConcurrentDictionary<string, long> _arrivals = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _nonEmpty = new(StringComparer.Ordinal);

    public static async Task<BenchProbe> ConnectAsync(string host, int port, string? filter, (string User, string Password)? login, CancellationToken ct)
    {
        var probe = new BenchProbe();
        probe._client.ApplicationMessageReceivedAsync += e =>
        {
            var now = Stopwatch.GetTimestamp();
            var payload = e.ApplicationMessage.ConvertPayloadToString() ?? "";
            probe._arrivals.TryAdd(e.ApplicationMessage.Topic + "\n" + payload, now);
            if (payload.Length > 0)
            {
                probe._nonEmpty.TryAdd(e.ApplicationMessage.Topic, now);
            }
            return Task.CompletedTask;
        };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var builder = new MqttClientOptionsBuilder().WithTcpServer(host, port)
            .WithClientId("bench-" + Guid.NewGuid().ToString("N")[..8]).WithCleanSession();
        if (login is { } credentials)
        {
            builder = builder.WithCredentials(credentials.User, credentials.Password);
        }
        var options = builder.Build();
        ((MqttClientTcpOptions)options.ChannelOptions).BufferSize = 1024 * 1024; // like the bridge: the default 8 KiB throttles
        await probe._client.ConnectAsync(options, timeout.Token);
        if (filter is not null)
        {
            await probe._client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(f => f.WithTopic(filter).WithAtLeastOnceQoS()).Build(), timeout.Token);
        }
        return probe;
    }

    public int DistinctNonEmpty() => _nonEmpty.Count;

    /// <summary>Seconds from <paramref name="start"/> to the first non-empty message on each topic.</summary>
    public IEnumerable<double> FirstArrivalsSince(long start) => _nonEmpty.Values.Select(t => (t - start) / (double)Stopwatch.Frequency);

    public void Reset()
    {
        _nonEmpty.Clear();
        _arrivals.Clear();
    }

    public long ArrivalOf(string topic, string payload) => _arrivals.GetValueOrDefault(topic + "\n" + payload);

    public async Task PublishAsync(string topic, string payload, CancellationToken ct) =>
        await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }
        _client.Dispose();
    }
}
