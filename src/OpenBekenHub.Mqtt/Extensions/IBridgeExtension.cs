namespace OpenBekenHub.Mqtt.Extensions;

/// <summary>
/// One feature of the bridge (Home Assistant discovery, availability, commands, identity requests, persistence, ...),
/// in the manner of Zigbee2MQTT's extensions. The constructor only stores dependencies; <see cref="StartAsync"/>
/// subscribes to typed events (<see cref="BridgeContext.Bus"/>) and to the topics the extension owns
/// (<see cref="BridgeContext.SubscribeAsync"/>); <see cref="StopAsync"/> undoes that. The bridge starts and stops each
/// extension inside its own try/catch, and the bus isolates handler failures, so one broken feature never stops the others.
/// Called before the broker connection starts; use <see cref="BridgeContext.Connected"/> to act on every (re)connect.
/// </summary>
public interface IBridgeExtension
{
    /// <summary>Short name for logs ("home-assistant", "availability", ...).</summary>
    string Name { get; }

    Task StartAsync(BridgeContext context, CancellationToken ct);

    Task StopAsync(CancellationToken ct);
}
