using OpenBekenHub.Mqtt.Connection;
using OpenBekenHub.Mqtt.Options;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Mqtt.Tests;

public enum BrokerKind
{
    Mosquitto,
    Embedded,
}

/// <summary>A real broker for one test: a Mosquitto process or the hub's embedded MQTTnet broker, restartable on the same port.</summary>
public sealed class TestBroker : IAsyncDisposable
{
    private MosquittoBroker? _mosquitto;
    private EmbeddedBroker? _embedded;
    private EmbeddedBrokerOptions? _embeddedOptions;

    public BrokerKind Kind { get; private init; }

    public string Host => "127.0.0.1";

    public int Port { get; private set; }

    /// <summary>Every PUBLISH Mosquitto received, named by client (Mosquitto only, started with <c>logPublishes</c>).</summary>
    public IReadOnlyList<MosquittoBroker.ReceivedPublish> Publishes() =>
        (_mosquitto ?? throw new InvalidOperationException("only Mosquitto names the publishing client")).Publishes();

    public static async Task<TestBroker> StartAsync(BrokerKind kind, bool logPublishes = false)
    {
        var broker = new TestBroker { Kind = kind };
        if (kind == BrokerKind.Mosquitto)
        {
            broker._mosquitto = await MosquittoBroker.StartAsync(logPublishes: logPublishes).ConfigureAwait(false);
            broker.Port = broker._mosquitto.Port;
        }
        else
        {
            broker._embeddedOptions = new EmbeddedBrokerOptions { Port = FreePort.Next(), ListenOnAllInterfaces = false };
            broker._embedded = new EmbeddedBroker(broker._embeddedOptions);
            await broker._embedded.StartAsync().ConfigureAwait(false);
            broker.Port = broker._embedded.Port;
        }
        return broker;
    }

    public async Task StopAsync()
    {
        if (_mosquitto is not null)
        {
            await _mosquitto.StopAsync().ConfigureAwait(false);
        }
        if (_embedded is not null)
        {
            await _embedded.StopAsync().ConfigureAwait(false);
        }
    }

    public async Task StartAgainAsync()
    {
        if (_mosquitto is not null)
        {
            await _mosquitto.RestartAsync().ConfigureAwait(false);
        }
        if (_embedded is not null)
        {
            _embedded = new EmbeddedBroker(_embeddedOptions!);
            await _embedded.StartAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_mosquitto is not null)
        {
            await _mosquitto.DisposeAsync().ConfigureAwait(false);
        }
        if (_embedded is not null)
        {
            await _embedded.DisposeAsync().ConfigureAwait(false);
        }
    }

    public override string ToString() => Kind.ToString();
}
