using OpenBekenHub.Auth;
using OpenBekenHub.Mqtt.State;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Simulators.Plugs;
using OpenBekenHub.Store;
using OpenBekenHub.TestKit;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Ota;

/// <summary>A real Mosquitto, a real hub on it, simulated plugs (T and N), and an API client with a bearer token.</summary>
internal sealed class OtaBench : IAsyncDisposable
{
    private OtaBench(MosquittoBroker broker, TempDir data)
    {
        Broker = broker;
        Data = data;
    }

    public MosquittoBroker Broker { get; }

    public TempDir Data { get; }

    public HubHost Hub { get; private set; } = null!;

    public PlugFleet Fleet { get; private set; } = null!;

    public HttpClient Api { get; private set; } = null!;

    private string[] _hubArgs = [];

    /// <param name="chipOf">Chip of the i-th plug.</param>
    /// <param name="httpPort">When set, plug i answers HTTP on 127.0.0.(i+2):httpPort (and the hub is told that port).</param>
    public static async Task<OtaBench> StartAsync(int count, Func<int, string> chipOf, int? httpPort = null, params string[] hubArgs)
    {
        var broker = await MosquittoBroker.StartAsync();
        var bench = new OtaBench(broker, new TempDir("ota"));
        bench._hubArgs =
        [
            $"--Mqtt:Host={broker.Host}", $"--Mqtt:Port={broker.Port}",
            httpPort is null ? "--Bridge:UseHttpForConsole=false" : $"--Bridge:DeviceHttpPort={httpPort}",
            .. hubArgs,
        ];
        await bench.StartHubAsync();
        var index = 0;
        bench.Fleet = await PlugFleet.StartAsync(broker.Host, broker.Port, count, new PlugFleetOptions
        {
            PowerMeterEvery = 0,
            BroadcastItemsPerSecond = 100,
            ReconnectDelay = TimeSpan.FromMilliseconds(300),
            Customize = s =>
            {
                var i = index++;
                var chip = chipOf(i);
                return s with
                {
                    Chip = chip,
                    GroupTopic = chip.EndsWith('T') ? "bekens_t" : "bekens_n",
                    HttpPort = httpPort ?? 0,
                    Ip = httpPort is null ? "127.0.0.1" : $"127.0.0.{i + 2}",
                    RestartDelay = TimeSpan.FromMilliseconds(200),
                };
            },
        });
        foreach (var plug in bench.Fleet.Plugs)
        {
            plug.OtaPiecePause = TimeSpan.FromMilliseconds(1);
            plug.OtaRebootDelay = TimeSpan.FromMilliseconds(100);
        }
        await bench.Fleet.WaitAllConnectedAsync(TimeSpan.FromSeconds(60));
        await bench.WaitAdoptedAsync();
        return bench;
    }

    public async Task StartHubAsync()
    {
        Hub = await HubHost.StartAsync(Data, _hubArgs);
        var (_, secret) = await Hub.Service<ApiTokenStore>().CreateAsync("ota-tests", HubScope.Admin);
        Api = new HttpClient { BaseAddress = new Uri(Hub.BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        Api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
    }

    public async Task StopHubAsync()
    {
        Api.Dispose();
        await Hub.DisposeAsync();
    }

    /// <summary>Every plug is in the hub's registry, online, with its chip and version from its build.</summary>
    public async Task WaitAdoptedAsync()
    {
        var registry = Hub.Service<DeviceStateStore>();
        await Eventually.TrueAsync(() => Fleet.Plugs.All(p => registry.FindByTopic(p.ClientTopic) is { Online: true, Record.Chip: not null, Record.Build: not null }),
            TimeSpan.FromSeconds(60), "all plugs adopted with chip and build");
    }

    public string IdOf(SimulatedPlug plug) => Hub.Service<DeviceStateStore>().FindByTopic(plug.ClientTopic)!.Id;

    public SimulatedPlug PlugOf(string deviceId) => Fleet.Plugs.Single(p => IdOf(p) == deviceId);

    public async Task<string> UploadAsync(string name, byte[] file)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(file), "file", name } };
        using var response = await Api.PostAsync("/api/firmware", form);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, body);
        return JsonNode.Parse(body)!["id"]!.GetValue<string>();
    }

    public async Task<string> StartRolloutAsync(object request)
    {
        using var response = await Api.PostAsJsonAsync("/api/rollouts", request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, body);
        return JsonNode.Parse(body)!["id"]!.GetValue<string>();
    }

    public async Task<JsonNode> RolloutAsync(string id) => JsonNode.Parse(await Api.GetStringAsync($"/api/rollouts/{id}"))!;

    /// <summary>Waits for a final state and returns the rollout; the message lists per-plug results if it does not end.</summary>
    public async Task<JsonNode> WaitFinalAsync(string id, TimeSpan timeout)
    {
        JsonNode last = null!;
        await Eventually.TrueAsync(async () =>
        {
            last = await RolloutAsync(id);
            return last["state"]!.GetValue<string>() is "completed" or "stopped" or "aborted";
        }, timeout, $"rollout {id} to end");
        return last;
    }

    public static Dictionary<string, (string Result, string? Reason)> Results(JsonNode rollout) =>
        rollout["devices"]!.AsArray().ToDictionary(d => d!["id"]!.GetValue<string>(), d => (d!["result"]!.GetValue<string>(), d["reason"]?.GetValue<string>()));

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async ValueTask DisposeAsync()
    {
        await Fleet.DisposeAsync();
        await StopHubAsync();
        await Broker.DisposeAsync();
        Data.Dispose();
    }
}
