using OpenBekenHub.Tests.Broker;
using OpenBekenHub.Auth;
using OpenBekenHub.Mqtt.State;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OpenBekenHub.Hosting;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Simulators.Plugs;
using OpenBekenHub.Store;
using OpenBekenHub.TestKit;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Configs;

/// <summary>
/// A real hub (embedded broker) and simulated plugs whose web servers listen on their own loopback addresses
/// (127.0.0.x, one shared port the hub knows as Bridge:DeviceHttpPort), reached through the REST API with an API token.
/// </summary>
internal sealed class ConfigHarness : IAsyncDisposable
{
    private readonly List<SimulatedPlug> _plugs = [];

    private ConfigHarness(HubHost hub, int plugPort, HttpClient api)
    {
        Hub = hub;
        PlugPort = plugPort;
        Api = api;
    }

    public HubHost Hub { get; }

    public int PlugPort { get; }

    /// <summary>The REST API as a script sees it (bearer token, so no CSRF token).</summary>
    public HttpClient Api { get; }

    public static async Task<ConfigHarness> StartAsync(TempDir? data = null, string? plugWebPassword = null, params string[] extraArgs)
    {
        var plugPort = FreePort.Next();
        var args = new List<string> { $"--Bridge:DeviceHttpPort={plugPort}", "--Configs:ScheduleEnabled=false" };
        args.AddRange(extraArgs); // later values win
        if (plugWebPassword is not null)
        {
            args.Add($"--Bridge:DeviceWebPassword={plugWebPassword}");
        }
        var hub = await HubHost.StartAsync(data, [.. args]);
        var (_, secret) = await hub.Service<ApiTokenStore>().CreateAsync("config tests", HubScope.Admin);
        var api = new HttpClient { BaseAddress = new Uri(hub.BaseUrl) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return new ConfigHarness(hub, plugPort, api);
    }

    /// <summary>Starts a plug on <paramref name="ip"/> and waits until the hub has it online with that address.</summary>
    public async Task<(SimulatedPlug Plug, string DeviceId)> AddPlugAsync(string mac, string ip, Func<PlugSettings, PlugSettings>? adjust = null)
    {
        var settings = PlugSettings.ForMac(mac, "127.0.0.1", Hub.Service<EmbeddedBrokerService>().Broker!.Port) with
        {
            Ip = ip,
            HttpPort = PlugPort,
            BroadcastItemsPerSecond = 100,
            ReconnectDelay = TimeSpan.FromMilliseconds(200),
            RestartDelay = TimeSpan.FromMilliseconds(200),
        };
        // the plug's own account on the hub's broker, as a flash by the hub gives it
        var plug = new SimulatedPlug(Hub.WithOwnAccounts()(adjust is null ? settings : adjust(settings)));
        _plugs.Add(plug);
        await plug.StartAsync();
        var id = DeviceRecord.IdFromMac(mac);
        var registry = Hub.Service<DeviceStateStore>();
        await Eventually.TrueAsync(() => registry.Find(id) is { Online: true } d && d.Record.Ip == ip, TimeSpan.FromSeconds(20), $"{id} adopted online at {ip}");
        return (plug, id);
    }

    public async Task<JsonArray> BackupAsync(params string[] devices)
    {
        var reply = await Api.PostAsJsonAsync("/api/configs/backup", new { devices = devices.Length == 0 ? null : devices });
        reply.EnsureSuccessStatusCode();
        return JsonNode.Parse(await reply.Content.ReadAsStringAsync())!.AsArray();
    }

    public async Task<HttpResponseMessage> RestoreAsync(string deviceId, int version, string? target = null, bool restart = true) =>
        await Api.PostAsJsonAsync($"/api/configs/{deviceId}/versions/{version}/restore", new { target, restart });

    public async ValueTask DisposeAsync()
    {
        foreach (var plug in _plugs)
        {
            await plug.DisposeAsync();
        }
        Api.Dispose();
        await Hub.DisposeAsync();
    }
}
