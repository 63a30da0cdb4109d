namespace OpenBekenHub.Devices;

/// <summary>Registers the device page's services: the plug's HTTP reader, pin table and log lines.</summary>
internal static class DeviceServices
{
    public static IServiceCollection AddDeviceServices(this IServiceCollection services)
    {
        services.AddHttpClient(); // template list download
        services.AddSingleton<PlugHttp>();
        services.AddSingleton<DevicePinService>();
        services.AddSingleton<DeviceLogService>();
        return services;
    }
}
