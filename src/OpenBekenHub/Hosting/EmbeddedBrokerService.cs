using Microsoft.Extensions.Options;
using OpenBekenHub.Mqtt.Connection;
using OpenBekenHub.Mqtt.Options;
using OpenBekenHub.Mqtt.Security;

namespace OpenBekenHub.Hosting;

/// <summary>Runs the embedded broker for the hub's lifetime when no external broker is configured.</summary>
public sealed class EmbeddedBrokerService(IOptions<MqttOptions> options, BrokerGate gate, ILogger<EmbeddedBroker> logger) : IHostedService, IAsyncDisposable
{
    private EmbeddedBroker? _broker;

    /// <summary>The running broker, or null in external-broker mode.</summary>
    public EmbeddedBroker? Broker => _broker;

    /// <summary>The connect gate (accounts, permit-join, refused clients); used only by the embedded broker.</summary>
    public BrokerGate Gate => gate;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.UsesEmbeddedBroker)
        {
            return;
        }
        // accounts and topic rules are on unless explicitly switched off (then the broker warns that it is open)
        _broker = new EmbeddedBroker(options.Value.Embedded, logger, options.Value.Embedded.Accounts ? gate : null);
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
