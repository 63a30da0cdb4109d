using OpenBekenHub.Store;

namespace OpenBekenHub.History;

/// <summary>Registers the power/energy history: store, recorder (a hosted service), the bridge feed and queries.</summary>
internal static class HistoryServices
{
    public static IServiceCollection AddHistory(this IServiceCollection services)
    {
        services.AddSingleton<HistoryStore>();
        services.AddSingleton<HistoryRecorder>();
        services.AddHostedService(sp => sp.GetRequiredService<HistoryRecorder>());
        services.AddHostedService<HistoryFeed>();
        services.AddSingleton<HistoryQuery>();
        return services;
    }
}
