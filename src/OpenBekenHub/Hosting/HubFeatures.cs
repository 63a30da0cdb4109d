using OpenBekenHub.Api;
using OpenBekenHub.Health;
using OpenBekenHub.Library;
using OpenBekenHub.Mqtt;
using OpenBekenHub.Mqtt.Commands;
using OpenBekenHub.Mqtt.Devices;
using OpenBekenHub.Mqtt.Hosting;
using OpenBekenHub.Mqtt.Options;
using OpenBekenHub.Ota;
using OpenBekenHub.Store;

namespace OpenBekenHub.Hosting;

/// <summary>The feature areas (bridge, flashing, jobs, pages' APIs), registered and mapped in one place.</summary>
internal static class HubFeatures
{
    public static IServiceCollection AddHubFeatures(this IServiceCollection services, bool demo)
    {
        if (demo)
        {
            Demo.DemoMode.Configure(services);
        }
        // Mqtt:Embedded:Port 0 ("any free port") is not probed here: the embedded broker binds it and writes the port back,
        // and the bridge resolves its endpoint at connect time (a probed port could be taken before the broker binds it).
        services.AddOptions<HomeAssistantOptions>().BindConfiguration(HomeAssistantOptions.SectionName).ValidateOnStart();
        services.AddOptions<BridgeOptions>().BindConfiguration(BridgeOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IDeviceStore, SqliteDeviceStore>();
        services.AddOpenBekenBridge();
        services.AddSingleton<IBrokerConnectionState, BridgeConnectionState>();
        services.AddSingleton<FirmwareLibrary>();
        services.AddSingleton<TemplateCatalog>();
        services.AddSingleton<BackupCatalog>();
        services.AddSingleton<Jobs.JobStore>();
        services.AddSingleton<Jobs.FlashJobRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<Jobs.FlashJobRunner>());
        services.AddSingleton<Jobs.FlashStations>();
        services.AddOptions<Station.StationOptions>().BindConfiguration(Station.StationOptions.SectionName).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<Station.StationOptions>, Station.StationOptionsValidator>();
        services.AddSingleton<Func<System.Device.Gpio.GpioController>>(_ => () => new System.Device.Gpio.GpioController());
        services.AddSingleton<Station.GpioStations>();
        History.HistoryServices.AddHistory(services);
        Devices.DeviceServices.AddDeviceServices(services);
        services.AddOta(); // OTA rollouts (src/OpenBekenHub/Ota)
        return services;
    }

    public static IEndpointRouteBuilder MapHubFeatures(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireAuthorization().AddEndpointFilter(Auth.CookieCsrfFilter.InvokeAsync);
        app.MapDevicesApi().RequireAuthorization().AddEndpointFilter(Auth.CookieCsrfFilter.InvokeAsync);
        Api.JobsApi.Map(api);
        Api.BrokerApi.Map(api);
        Api.BrokerApi.MapForms(app);
        Api.JobsApi.MapLive(app);
        Api.HistoryApi.Map(api);
        Api.DevicePinsApi.Map(api);
        app.MapGet("/backups/download/{file}", (string file, BackupCatalog backups) =>
                backups.Resolve(file) is { } path ? Results.File(path, "application/octet-stream", Path.GetFileName(path)) : Results.NotFound())
            .WithName("DownloadBackup").WithSummary("Download a full-flash backup").WithTags("Backups")
            .RequireAuthorization(Auth.HubPolicies.Admin); // a backup holds the plug's Wi-Fi/MQTT secrets
        app.MapOta(); // OTA rollouts and the plugs' unauthenticated firmware path (src/OpenBekenHub/Ota)
        return app;
    }

    private sealed class BridgeConnectionState(OpenBekenBridge bridge) : IBrokerConnectionState
    {
        public bool IsConnected => bridge.IsConnected;
    }
}
