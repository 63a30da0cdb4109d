using System.Net.Http.Json;
using OpenBekenHub.Hosting;
using OpenBekenHub.TestKit;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Foundation;

public sealed class ExternalBrokerTests
{
    [Fact]
    public async Task With_Mqtt_Host_set_the_hub_runs_no_broker_and_connects_to_a_real_mosquitto()
    {
        await using var mosquitto = await MosquittoBroker.StartAsync();
        await using var hub = await HubHost.StartAsync($"--Mqtt:Host={mosquitto.Host}", $"--Mqtt:Port={mosquitto.Port}");
        Assert.Null(hub.Service<EmbeddedBrokerService>().Broker);

        using var client = hub.Client();
        await Eventually.TrueAsync(async () =>
        {
            var health = await client.GetFromJsonAsync<Health.HealthReport>("/health");
            return health is { Status: "ok", Broker: { Mode: "external", Connected: true, EmbeddedRunning: null } };
        }, TimeSpan.FromSeconds(15), "hub connected to mosquitto");

        await mosquitto.StopAsync();
        await Eventually.TrueAsync(async () => (await client.GetFromJsonAsync<Health.HealthReport>("/health"))!.Broker.Connected == false,
            TimeSpan.FromSeconds(15), "health shows the broker loss");
        await mosquitto.RestartAsync();
        await Eventually.TrueAsync(async () => (await client.GetFromJsonAsync<Health.HealthReport>("/health"))!.Broker.Connected,
            TimeSpan.FromSeconds(15), "hub reconnected after the broker came back");
    }
}
