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

    private HomeAssistantOptions _ha = null!;
    private BridgeOptions _bridgeOptions = null!;

    public static async Task<BridgeHarness> StartAsync(BrokerKind kind, int plugs, PlugFleetOptions? fleetOptions = null, HomeAssistantOptions? ha = null,
        BridgeOptions? bridge = null, bool logPublishes = false)
    {
        var harness = new BridgeHarness(await TestBroker.StartAsync(kind, logPublishes));
        harness.HomeAssistant = await MqttProbe.ConnectAsync(harness.Broker.Host, harness.Broker.Port, $"{Prefix}/#", "obkhub/devices/+/availability");
        harness.Fleet = await PlugFleet.StartAsync(harness.Broker.Host, harness.Broker.Port, plugs, fleetOptions ?? FastPlugs());
        harness._ha = ha ?? new HomeAssistantOptions { JitterWindow = TimeSpan.FromMilliseconds(500), HubBaseUrl = "http://hub.local:8080" };
        harness._bridgeOptions = bridge ?? new BridgeOptions { CommandTimeout = TimeSpan.FromSeconds(15), AvailabilityWindow = TimeSpan.FromSeconds(3) };
        await harness.StartBridgeAsync();
        return harness;
    }

    private async Task StartBridgeAsync()
    {
        Bridge = new OpenBekenBridge(new BrokerEndpoint(Broker.Host, Broker.Port, ClientId: "obkhub"), Store, _ha, _bridgeOptions,
            reconnect: new ReconnectPolicy(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1)));
        await Bridge.StartAsync(CancellationToken.None);
    }

    /// <summary>Stops the hub's bridge and starts a new one on the same store (a hub restart).</summary>
    public async Task RestartHubAsync()
    {
        await Bridge.DisposeAsync();
        await StartBridgeAsync();
    }

    /// <summary>
    /// Fails on any PUBLISH by the hub's client on a topic a plug owns: <c>&lt;c&gt;/...</c> other than <c>&lt;c&gt;/&lt;ch&gt;/set</c>,
    /// <c>stat/&lt;c&gt;/...</c>, <c>tele/&lt;c&gt;/...</c>. Checked from Mosquitto's own log of who published what.
    /// Returns how many hub publishes were checked (so a caller can tell the log was read at all).
    /// </summary>
    public int AssertNoHubPublishOnPlugTopics()
    {
        var hub = Broker.Publishes().Where(p => p.ClientId == "obkhub").ToList();
        var plugs = Fleet.Plugs.Select(p => p.ClientTopic).ToHashSet(StringComparer.Ordinal);
        var bad = hub.Where(p =>
        {
            var levels = p.Topic.Split('/');
            if (levels[0] is "stat" or "tele")
            {
                return true;
            }
            return plugs.Contains(levels[0]) && !(levels.Length == 3 && levels[2] == "set" && int.TryParse(levels[1], out _));
        }).Select(p => p.Topic).Distinct().ToList();
        Assert.True(bad.Count == 0, "the hub published on plug-owned topics: " + string.Join(", ", bad));
        Assert.Equal(0, Bridge.Context.RefusedPublishes);
        return hub.Count;
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
                string.Join("; ", Bridge.Registry.List().Select(d => $"{d.ClientTopic}: online {d.Online}, ip {d.Record.Ip ?? "-"}, build {d.Record.Build ?? "-"}, ch1 {(d.Channels.TryGetValue(1, out var v) ? v : "-")}, {d.Availability}")), ex);
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
