using OpenBekenHub.Auth;
using System.Net.Http.Headers;
using OpenBekenHub.Hosting;
using OpenBekenHub.Jobs;
using OpenBekenHub.Library;
using OpenBekenHub.Simulators.Bootloader;
using OpenBekenHub.Simulators.Images;
using OpenBekenHub.Store;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Jobs;

/// <summary>
/// A hub with a simulated flashing station listed (as demo mode lists its own), a BK7231N firmware in the library and
/// a provisioning profile pointing at the hub's embedded broker — the state a user reaches before pressing Start.
/// </summary>
internal sealed class JobRig : IAsyncDisposable
{
    private JobRig(HubHost hub, FlashStation station, string firmwareId, string profileId)
    {
        Hub = hub;
        Station = station;
        FirmwareId = firmwareId;
        ProfileId = profileId;
    }

    public HubHost Hub { get; }

    public FlashStation Station { get; }

    public string FirmwareId { get; }

    public string ProfileId { get; }

    public int BrokerPort => Hub.Service<EmbeddedBrokerService>().Broker!.Port;

    public static async Task<JobRig> StartAsync(Action<EmulatorOptions>? configure = null, Action<byte[]>? stock = null, params string[] hubArgs)
    {
        var hub = await HubHost.StartAsync(null, null, hubArgs);
        var station = await FlashStation.StartAsync(EmulatedChip.Bk7231N, configure, stock);
        hub.Service<FlashStations>().AddSimulated(station.Port, "Simulated BK7231N station");
        var firmware = await hub.Service<FirmwareLibrary>().AddAsync("OpenBK7231N_QIO_1.18.0.bin", SyntheticFirmware.Bk7231NQio());
        var profile = await hub.Service<ProfileStore>().SaveAsync(null, new ProfileInput(
            "Home", "HomeWifi", "wifi-pass-123", "127.0.0.1", hub.Service<EmbeddedBrokerService>().Broker!.Port, null, null, "obk_{mac6}", null));
        return new JobRig(hub, station, firmware.Entry!.Id, profile);
    }

    /// <summary>A script's client: an API token, so no antiforgery token is involved.</summary>
    public async Task<HttpClient> ApiClientAsync()
    {
        var (_, secret) = await Hub.Service<ApiTokenStore>().CreateAsync("test script", HubScope.Admin);
        var client = Hub.Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await Station.DisposeAsync();
        await Hub.DisposeAsync();
    }
}
