using Microsoft.Extensions.Options;
using OpenBekenHub.Api;

namespace OpenBekenHub.Ota;

/// <summary>OTA's services and routes, registered with one line each from the host's feature list.</summary>
public static class OtaServiceCollectionExtensions
{
    public static IServiceCollection AddOta(this IServiceCollection services)
    {
        services.AddOptions<OtaOptions>()
            .BindConfiguration(OtaOptions.SectionName)
            .Configure<IConfiguration>((o, config) => o.PublicUrl ??= config["Hub:PublicUrl"])
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<OtaOptions>, OtaOptionsValidator>();
        services.AddSingleton<IFleetView, RegistryFleetView>();
        services.AddSingleton<FirmwareServer>();
        services.AddSingleton<PlugHttp>();
        services.AddSingleton<RolloutStore>();
        services.AddSingleton<PlugUpdater>();
        services.AddSingleton<RolloutService>();
        services.AddSingleton<OtaUpdateEntity>();
        // Home Assistant's update entity offers Install; this extension owns its state and install topics
        services.AddSingleton<Mqtt.Extensions.IBridgeExtension, OtaUpdateExtension>();
        services.PostConfigure<Mqtt.Options.HomeAssistantOptions>(o => o.FirmwareInstall = true);
        services.AddHostedService(sp => sp.GetRequiredService<RolloutService>());
        return services;
    }

    public static IEndpointRouteBuilder MapOta(this IEndpointRouteBuilder app)
    {
        // the one route without login: plugs cannot log in, and the unguessable per-plug token is the authorisation
        app.MapGet(FirmwareServer.PathPrefix + "{token}", (string token, HttpContext context, FirmwareServer server) => server.ServeAsync(context, token))
            .AllowAnonymous().ExcludeFromDescription();
        var api = app.MapGroup("/api").RequireAuthorization().AddEndpointFilter(Auth.CookieCsrfFilter.InvokeAsync);
        FirmwareApi.Map(api);
        RolloutsApi.Map(api);
        return app;
    }
}
