using Microsoft.Extensions.Options;
using OpenBekenHub.Mqtt.Connection;
using OpenBekenHub.Mqtt.Options;

namespace OpenBekenHub.Hosting;

/// <summary>Runs the embedded broker for the hub's lifetime when no external broker is configured.</summary>
public sealed class EmbeddedBrokerService(IOptions<MqttOptions> options, ILogger<EmbeddedBroker> logger) : IHostedService, IAsyncDisposable
{
    private EmbeddedBroker? _broker;

    /// <summary>The running broker, or null in external-broker mode.</summary>
    public EmbeddedBroker? Broker => _broker;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.UsesEmbeddedBroker)
        {
            return;
        }
        _broker = new EmbeddedBroker(options.Value.Embedded, logger);
        await _broker.StartAsync(cancellationToken);
        // the bridge connects to the port actually bound (0 in tests means "any free port")
        options.Value.Embedded.Port = _broker.Port;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_broker is not null)
        {
            await _broker.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}
