using OpenBekenHub.Mqtt.Commands;
using OpenBekenHub.Mqtt.Connection;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.HomeAssistant;
using OpenBekenHub.Mqtt.Options;
using OpenBekenHub.Simulators.Plugs;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Mqtt.Tests;

/// <summary>A broker, a fleet of simulated plugs, the bridge, and a probe playing Home Assistant.</summary>
public sealed class BridgeHarness : IAsyncDisposable
{
    public const string Prefix = "homeassistant";

    private BridgeHarness(TestBroker broker) => Broker = broker;

    public TestBroker Broker { get; }

    public PlugFleet Fleet { get; private set; } = null!;

    public OpenBekenBridge Bridge { get; private set; } = null!;

    public MqttProbe HomeAssistant { get; private set; } = null!;

    public InMemoryDeviceStore Store { get; } = new();

    public static PlugFleetOptions FastPlugs(Func<PlugSettings, PlugSettings>? customize = null) => new()
    {
        BroadcastItemsPerSecond = 100,
        ReconnectDelay = TimeSpan.FromMilliseconds(300),
        PowerMeterEvery = 2,
        Customize = s => (customize ?? (x => x))(s with { DiscoveryMessagesPerSecond = 100 }),
    };

    public static async Task<BridgeHarness> StartAsync(BrokerKind kind, int plugs, PlugFleetOptions? fleetOptions = null, HomeAssistantOptions? ha = null)
    {
        var harness = new BridgeHarness(await TestBroker.StartAsync(kind));
        harness.HomeAssistant = await MqttProbe.ConnectAsync(harness.Broker.Host, harness.Broker.Port, $"{Prefix}/#");
        harness.Fleet = await PlugFleet.StartAsync(harness.Broker.Host, harness.Broker.Port, plugs, fleetOptions ?? FastPlugs());
        harness.Bridge = new OpenBekenBridge(
            new BrokerEndpoint(harness.Broker.Host, harness.Broker.Port, ClientId: "obkhub"),
            harness.Store,
            ha ?? new HomeAssistantOptions { JitterWindow = TimeSpan.FromMilliseconds(500), HubBaseUrl = "http://hub.local:8080" },
            new BridgeOptions { CommandTimeout = TimeSpan.FromSeconds(15) },
            reconnect: new ReconnectPolicy(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1)));
        await harness.Bridge.StartAsync(CancellationToken.None);
        return harness;
    }

    public async Task AllAdoptedAsync(int count, TimeSpan? timeout = null)
    {
        try
        {
            await Eventually.TrueAsync(() => Bridge.Registry.Count == count && Bridge.Registry.List().All(d => d.Online && d.Record.Ip is not null && d.Record.Build is not null && d.Channels.ContainsKey(1)),
                timeout ?? TimeSpan.FromSeconds(20), $"{count} plugs adopted with IP, build and relay state");
        }
        catch (TimeoutException ex)
        {
            // say what the bridge did see, so a failure here can be diagnosed from the CI log alone
            throw new TimeoutException($"{ex.Message}; adopted {Bridge.Registry.Count}, pending [{string.Join(", ", Bridge.Registry.PendingTopics())}], " +
                $"bridge connected {Bridge.IsConnected} (connects {Bridge.Connection.ConnectCount}), plugs connected {Fleet.ConnectedCount}/{Fleet.Plugs.Count}; " +
                string.Join("; ", Bridge.Registry.List().Select(d => $"{d.ClientTopic}: online {d.Online}, ip {d.Record.Ip ?? "-"}, build {d.Record.Build ?? "-"}, ch1 {(d.Channels.TryGetValue(1, out var v) ? v : "-")}")), ex);
        }
    }

    public DeviceSnapshot DeviceOf(SimulatedPlug plug) =>
        Bridge.Registry.FindByTopic(plug.ClientTopic) ?? throw new InvalidOperationException($"{plug.ClientTopic} not adopted");

    /// <summary>Every discovery message the probe saw, checked against HA's rules.</summary>
    public void AssertAllDiscoveryValid()
    {
        foreach (var (topic, payload, _, _) in HomeAssistant.Received.ToArray())
        {
            if (!topic.EndsWith("/config", StringComparison.Ordinal) || !topic.Contains("/device/", StringComparison.Ordinal))
            {
                continue;
            }
            var problems = DiscoveryValidator.Validate(Prefix, topic, payload);
            Assert.True(problems.Count == 0, $"{topic}: {string.Join("; ", problems)}\n{payload}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Bridge.DisposeAsync();
        await Fleet.DisposeAsync();
        await HomeAssistant.DisposeAsync();
        await Broker.DisposeAsync();
    }
}
