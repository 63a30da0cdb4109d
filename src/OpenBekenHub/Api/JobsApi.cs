using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OpenBekenHub.Jobs;
using OpenBekenHub.Library;
using OpenBekenHub.Live;
using OpenBekenHub.Provisioning.Pins;

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
        group.MapPost("/jobs/{id}/pins", PinsAsync).WithName("ChooseJobPins")
            .WithSummary("Continue a job stopped in NeedsPins: {\"template\":\"<name>\"} or {\"pins\":{\"26\":{\"role\":\"Rel\",\"channel\":1}}}");
        group.MapGet("/flash/templates", SearchTemplatesAsync).WithName("SearchFlashTemplates")
            .WithSummary("Device templates for the wizard's pin table: name, chip and pins, best matches first (at most 20)");
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

    private static async Task<Results<Accepted<JobView>, Conflict<ProblemDetails>, BadRequest<ProblemDetails>, UnprocessableEntity<ProblemDetails>>> StartAsync(
        FlashJobRequest request, FlashJobRunner runner, CancellationToken ct)
    {
        try
        {
            var job = await runner.StartAsync(request, ct);
            return TypedResults.Accepted($"/api/jobs/{job.Id}", job.View());
        }
        catch (JobRequestException ex) when (ex.Unprocessable)
        {
            return TypedResults.UnprocessableEntity(new ProblemDetails { Title = "Invalid job", Detail = ex.Message });
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

    private static async Task<Results<Accepted<JobView>, NotFound, Conflict<ProblemDetails>, BadRequest<ProblemDetails>, UnprocessableEntity<ProblemDetails>>> PinsAsync(
        string id, PinsChoice choice, FlashJobRunner runner, CancellationToken ct)
    {
        try
        {
            var job = await runner.ChoosePinsAsync(id, choice, ct);
            return TypedResults.Accepted($"/api/jobs/{id}", job.View());
        }
        catch (KeyNotFoundException)
        {
            return TypedResults.NotFound();
        }
        catch (JobRequestException ex) when (ex.Unprocessable)
        {
            return TypedResults.UnprocessableEntity(new ProblemDetails { Title = "Pins not usable", Detail = ex.Message });
        }
        catch (ArgumentException ex)
        {
            return TypedResults.BadRequest(new ProblemDetails { Title = "Invalid pins", Detail = ex.Message });
        }
        catch (InvalidOperationException ex)
        {
            return TypedResults.Conflict(new ProblemDetails { Title = "Cannot continue", Detail = ex.Message });
        }
    }

    /// <summary>A device template as the wizard's search shows it (the pins ready for the editable table).</summary>
    /// <remarks><see cref="Unique"/> is false when several entries share the name: then only the pins can be used, not the name.</remarks>
    public sealed record TemplateHit(string Name, string Chip, string Board, IReadOnlyDictionary<string, PinChoice> Pins, bool GivesChannels, bool Unique, IReadOnlyList<string> Warnings);

    private static async Task<Ok<IReadOnlyList<TemplateHit>>> SearchTemplatesAsync(string? q, string? chip, TemplateCatalog catalog, CancellationToken ct)
    {
        var library = await catalog.GetAsync(ct);
        var query = q is { Length: > 100 } ? q[..100] : q;
        IReadOnlyList<TemplateHit> hits = [.. library.Search(query, string.IsNullOrWhiteSpace(chip) ? null : chip, limit: 20).Select(d =>
        {
            var t = d.ToPinTemplate();
            return new TemplateHit(d.DisplayName, d.Chip, d.Board, PinTable.ToChoices(t), FlashPipeline.GivesChannels(t), library.FindByName(d.DisplayName) is not null, t.Warnings);
        })];
        return TypedResults.Ok(hits);
    }
}
