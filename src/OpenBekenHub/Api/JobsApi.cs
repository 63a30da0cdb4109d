using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OpenBekenHub.Jobs;
using OpenBekenHub.Live;

namespace OpenBekenHub.Api;

/// <summary>Flash jobs for scripts and pages: ports, start, watch, resume, cancel.</summary>
internal static class JobsApi
{
    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/").WithTags("Flashing");
        group.MapGet("/ports", (FlashStations stations) => TypedResults.Ok(stations.List()))
            .WithName("ListPorts").WithSummary("Serial ports with USB adapter details, and simulated stations");
        group.MapPost("/jobs", StartAsync).WithName("StartJob").WithSummary("Start a flash (and provision) job on a port");
        group.MapGet("/jobs", ListAsync).WithName("ListJobs").WithSummary("Recent jobs with their step outcomes");
        group.MapGet("/jobs/{id}", GetAsync).WithName("GetJob").WithSummary("A job: live view while it runs, stored outcome after");
        group.MapPost("/jobs/{id}/resume", ResumeAsync).WithName("ResumeJob").WithSummary("Continue a failed or interrupted job from its last verified step");
        group.MapPost("/jobs/{id}/cancel", (string id, FlashJobRunner runner) =>
        {
            runner.Cancel(id);
            return TypedResults.Accepted($"/api/jobs/{id}");
        }).WithName("CancelJob").WithSummary("Cancel a running job (it can be resumed)");
    }

    public static void MapLive(IEndpointRouteBuilder app)
    {
        app.MapGet("/live/jobs/{id}", async (string id, HttpContext context, FlashJobRunner runner) =>
        {
            var job = runner.Find(id);
            if (job is null)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            await Sse.StreamAsync(context, job.Watch(context.RequestAborted), v => ("job", v));
        }).ExcludeFromDescription();
    }

    private static async Task<Results<Accepted<JobView>, Conflict<ProblemDetails>, BadRequest<ProblemDetails>>> StartAsync(
        FlashJobRequest request, FlashJobRunner runner, CancellationToken ct)
    {
        try
        {
            var job = await runner.StartAsync(request, ct);
            return TypedResults.Accepted($"/api/jobs/{job.Id}", job.View());
        }
        catch (ArgumentException ex)
        {
            return TypedResults.BadRequest(new ProblemDetails { Title = "Invalid job", Detail = ex.Message });
        }
        catch (InvalidOperationException ex)
        {
            return TypedResults.Conflict(new ProblemDetails { Title = "Port busy", Detail = ex.Message });
        }
    }

    private static async Task<Ok<IReadOnlyList<JobSummary>>> ListAsync(JobStore jobs, CancellationToken ct) =>
        TypedResults.Ok(await jobs.ListAsync(50, ct));

    private static async Task<Results<Ok<JobView>, Ok<JobSummary>, NotFound>> GetAsync(string id, FlashJobRunner runner, JobStore jobs, CancellationToken ct)
    {
        if (runner.Find(id) is { } live)
        {
            return TypedResults.Ok(live.View());
        }
        return await jobs.GetAsync(id, ct) is { } stored ? TypedResults.Ok(stored) : TypedResults.NotFound();
    }

    private static async Task<Results<Accepted<JobView>, NotFound, Conflict<ProblemDetails>>> ResumeAsync(string id, FlashJobRunner runner, CancellationToken ct)
    {
        try
        {
            var job = await runner.ResumeAsync(id, ct);
            return TypedResults.Accepted($"/api/jobs/{id}", job.View());
        }
        catch (KeyNotFoundException)
        {
            return TypedResults.NotFound();
        }
        catch (InvalidOperationException ex)
        {
            return TypedResults.Conflict(new ProblemDetails { Title = "Cannot resume", Detail = ex.Message });
        }
    }
}
