using System.Diagnostics;
using System.Reflection;
using Microsoft.Extensions.Options;
using OpenBekenHub.Hosting;
using OpenBekenHub.Mqtt.Options;
using OpenBekenHub.Store;

namespace OpenBekenHub.Health;

/// <summary>Whether the hub's MQTT client is connected to its broker (implemented by the bridge).</summary>
public interface IBrokerConnectionState
{
    bool IsConnected { get; }
}

public sealed record HealthReport(string Status, string Version, double UptimeSeconds, BrokerHealth Broker, bool StoreOk);

public sealed record BrokerHealth(string Mode, string Endpoint, bool Connected, bool? EmbeddedRunning);

internal static class HealthApi
{
    private static readonly string Version =
        typeof(HealthApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static void MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", GetAsync)
            .AllowAnonymous()
            .WithName("Health").WithSummary("Liveness: version, uptime, broker connection, store").WithTags("Health");
    }

    private static async Task<IResult> GetAsync(
        HubStore store, IOptions<MqttOptions> mqtt, EmbeddedBrokerService embedded, IServiceProvider services, CancellationToken ct)
    {
        var storeOk = await store.IsHealthyAsync(ct);
        var effective = mqtt.Value.Effective;
        var bridge = services.GetService<IBrokerConnectionState>();
        var embeddedRunning = mqtt.Value.UsesEmbeddedBroker ? embedded.Broker?.IsRunning == true : (bool?)null;
        var connected = bridge?.IsConnected ?? embeddedRunning == true;
        var uptime = (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalSeconds;
        var report = new HealthReport(
            storeOk && connected ? "ok" : "degraded",
            Version,
            Math.Round(uptime, 1),
            new BrokerHealth(mqtt.Value.UsesEmbeddedBroker ? "embedded" : "external", $"{effective.Host}:{effective.Port}", connected, embeddedRunning),
            storeOk);
        return storeOk ? TypedResults.Ok(report) : TypedResults.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
