using OpenBekenHub.Ota;

namespace OpenBekenHub.Api;

/// <summary>Rollouts for scripts, the page and <c>obkhub ota</c> (issue 13's REST contract).</summary>
internal static class RolloutsApi
{
    public sealed record Created(string Id);

    public sealed record Error(string error);

    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/rollouts").WithTags("Rollouts");
        group.MapPost("/", async (RolloutRequest request, RolloutService rollouts, CancellationToken ct) =>
        {
            try
            {
                var id = await rollouts.StartAsync(request, ct);
                return Results.Created($"/api/rollouts/{id}", new Created(id));
            }
            catch (ArgumentException ex)
            {
                return Results.UnprocessableEntity(new Error(ex.Message));
            }
        }).WithName("StartRollout").WithSummary("Start a staged OTA rollout of an .rbl to chosen (or all eligible) plugs");
        group.MapPost("/preview", async (RolloutRequest request, RolloutService rollouts, CancellationToken ct) =>
        {
            try
            {
                var (_, plan) = await rollouts.PreviewAsync(request, ct);
                return Results.Ok(plan);
            }
            catch (ArgumentException ex)
            {
                return Results.UnprocessableEntity(new Error(ex.Message));
            }
        }).WithName("PreviewRollout").WithSummary("Which plugs a rollout would update, in which wave, and why others are skipped");
        group.MapGet("/", async (RolloutService rollouts, CancellationToken ct) => TypedResults.Ok(await rollouts.ListAsync(ct)))
            .WithName("ListRollouts").WithSummary("Rollouts, newest first, with per-plug results");
        group.MapGet("/{id}", async (string id, RolloutService rollouts, CancellationToken ct) =>
                await rollouts.GetAsync(id, ct) is { } view ? Results.Ok(view) : Results.NotFound())
            .WithName("GetRollout").WithSummary("One rollout: state and per-plug result, reason, versions, bytes served");
        group.MapPost("/{id}/pause", (string id, RolloutService r, CancellationToken ct) => ChangeAsync(id, r.PauseAsync(id, ct)))
            .WithName("PauseRollout").WithSummary("Start no new plugs (running ones finish)");
        group.MapPost("/{id}/resume", (string id, RolloutService r, CancellationToken ct) => ChangeAsync(id, r.ResumeAsync(id, ct)))
            .WithName("ResumeRollout").WithSummary("Continue a paused rollout");
        group.MapPost("/{id}/abort", (string id, RolloutService r, CancellationToken ct) => ChangeAsync(id, r.AbortAsync(id, ct)))
            .WithName("AbortRollout").WithSummary("Cut running downloads and skip the plugs not yet started");
    }

    private static async Task<IResult> ChangeAsync(string id, Task<bool> change) =>
        await change ? Results.Accepted($"/api/rollouts/{id}") : Results.Conflict(new Error($"rollout '{id}' is not running or paused"));
}
