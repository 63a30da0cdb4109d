namespace OpenBekenHub.Hosting;

/// <summary>The feature areas (bridge, flashing, jobs, pages' APIs), registered and mapped in one place.</summary>
internal static class HubFeatures
{
    public static IServiceCollection AddHubFeatures(this IServiceCollection services)
    {
        return services;
    }

    public static IEndpointRouteBuilder MapHubFeatures(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireAuthorization();
        api.MapGet("/devices", () => TypedResults.Ok(Array.Empty<object>()))
            .WithName("ListDevices").WithSummary("Devices the hub knows").WithTags("Devices");
        return app;
    }
}
