using Microsoft.Extensions.Options;
using OpenBekenHub.Store;

namespace OpenBekenHub.Configs;

/// <summary>Configuration backup and restore, return to stock: everything registered and mapped here.</summary>
public static class ConfigBackupsServiceCollection
{
    public static IServiceCollection AddConfigBackups(this IServiceCollection services)
    {
        services.AddOptions<ConfigBackupOptions>().BindConfiguration(ConfigBackupOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConfigBackupOptions>, ConfigBackupOptionsValidator>();
        services.AddSingleton<IConfigDevices, RegistryConfigDevices>();
        services.AddSingleton<PlugHttp>();
        services.AddSingleton<PlugConfigReader>();
        services.AddSingleton<ConfigRestorer>();
        services.AddSingleton<ConfigStore>();
        services.AddSingleton<UniqueIdAliasTable>();
        services.AddSingleton<Mqtt.HomeAssistant.IHomeAssistantIdentities>(sp => sp.GetRequiredService<UniqueIdAliasTable>());
        services.AddSingleton<ConfigBackupService>();
        services.AddSingleton<ConfigExport>();
        services.AddSingleton<StockRestoreRunner>();
        services.AddHostedService<ConfigBackupScheduler>();
        return services;
    }

    public static IEndpointRouteBuilder MapConfigBackups(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireAuthorization().AddEndpointFilter(Auth.CookieCsrfFilter.InvokeAsync);
        Api.ConfigsApi.Map(api);
        Api.ConfigsApi.MapStockRestore(api);
        return app;
    }
}
