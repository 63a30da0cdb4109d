using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenBekenHub.Mqtt.Commands;
using OpenBekenHub.Mqtt.Connection;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.Events;
using OpenBekenHub.Mqtt.HomeAssistant;
using OpenBekenHub.Mqtt.Options;
using OpenBekenHub.Mqtt.State;

namespace OpenBekenHub.Mqtt.Hosting;

public static class BridgeServiceCollectionExtensions
{
    /// <summary>
    /// Registers the bridge (<see cref="OpenBekenBridge"/> and its parts) and a hosted service that starts it.
    /// Reads <see cref="IOptions{MqttOptions}"/> (connects to <see cref="MqttOptions.Effective"/>), <see cref="HomeAssistantOptions"/>
    /// and <see cref="BridgeOptions"/>; the host binds those sections. An <see cref="IDeviceStore"/> registered by the host
    /// wins; otherwise records live in memory. An <see cref="IHomeAssistantIdentities"/> registered by the host tells HA
    /// discovery about replacement plugs. The host starts the embedded broker before this hosted service.
    /// </summary>
    public static IServiceCollection AddOpenBekenBridge(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<HomeAssistantOptions>().Validate(o => !o.Validate().Any(), "HomeAssistant options are invalid (see HomeAssistantOptions.Validate)");
        services.AddOptions<BridgeOptions>().Validate(o => !o.Validate().Any(), "Bridge options are invalid (see BridgeOptions.Validate)");
        services.AddOptions<MqttOptions>();
        services.TryAddSingleton<IDeviceStore, InMemoryDeviceStore>();
        services.TryAddSingleton<HubEventBus>();
        services.TryAddSingleton(sp =>
        {
            var mqtt = sp.GetRequiredService<IOptions<MqttOptions>>().Value;
            // the install's own client id (Mqtt:ClientId when set); the hub id (HA device, own topics) stays Mqtt:ClientId or "obkhub"
            var clientId = sp.GetService<Security.BrokerAccounts>()?.HubClientId ?? mqtt.HubId;
            var hubId = HomeAssistant.DiscoveryBuilder.SafeId(mqtt.HubId);
            // resolved at connect time: the embedded broker has bound its port by then
            return new OpenBekenBridge(
                () =>
                {
                    var (host, port, user, password, tls) = mqtt.Effective;
                    return new BrokerEndpoint(host, port, user, password, tls, clientId, hubId);
                },
                mqtt.HubId,
                sp.GetRequiredService<IDeviceStore>(),
                sp.GetRequiredService<IOptions<HomeAssistantOptions>>().Value,
                sp.GetRequiredService<IOptions<BridgeOptions>>().Value,
                sp.GetRequiredService<HubEventBus>(),
                sp.GetService<ILoggerFactory>(),
                extensions: sp.GetServices<Extensions.IBridgeExtension>(),
                identities: sp.GetService<IHomeAssistantIdentities>());
        });
        services.TryAddSingleton(sp => sp.GetRequiredService<OpenBekenBridge>().State);
        services.TryAddSingleton(sp => sp.GetRequiredService<OpenBekenBridge>().Commands);
        services.TryAddSingleton(sp => sp.GetRequiredService<OpenBekenBridge>().HomeAssistant);
        services.AddHostedService<BridgeHostedService>();
        return services;
    }
}

/// <summary>Starts the bridge with the host (without waiting for the broker) and stops it cleanly.</summary>
public sealed class BridgeHostedService(OpenBekenBridge bridge) : IHostedService, IAsyncDisposable
{
    public Task StartAsync(CancellationToken cancellationToken) => bridge.StartAsync(cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken) => await bridge.DisposeAsync().ConfigureAwait(false);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
