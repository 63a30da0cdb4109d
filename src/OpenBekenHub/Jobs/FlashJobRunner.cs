using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using OpenBekenHub.Flashing.Errors;
using OpenBekenHub.Hosting;
using OpenBekenHub.Library;
using OpenBekenHub.Mqtt;
using OpenBekenHub.Provisioning.Errors;
using OpenBekenHub.Store;

namespace OpenBekenHub.Jobs;

/// <summary>
/// Runs flash(-and-provision) jobs: one at a time per port, each step persisted as it completes, so a job cut short
/// by a lost port or a hub restart resumes from the last verified step. The original backup is never deleted. The
/// steps themselves are the <see cref="FlashPipeline"/> that <c>obkhub flash</c> runs too; this class adds
/// persistence, one job per port, resume and the "choose pins" stop.
/// </summary>
public sealed partial class FlashJobRunner(
    JobStore jobs,
    FirmwareLibrary firmware,
    ProfileStore profiles,
    TemplateCatalog templates,
    OpenBekenBridge bridge,
    HubStore store,
    IOptions<HubOptions> hubOptions,
    Station.GpioStations gpio,
    FlashStations stations,
    ILoggerFactory loggerFactory,
    Mqtt.Security.IPlugCredentialIssuer? plugAccounts = null) : IHostedService
{
    private volatile bool _stopping;
    private readonly FlashPipeline _pipeline = new(loggerFactory);

    private readonly ConcurrentDictionary<string, FlashJob> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _portOwners = new(StringComparer.Ordinal);
    private readonly ILogger _logger = loggerFactory.CreateLogger<FlashJobRunner>();

    public FlashJob? Find(string id) => _jobs.GetValueOrDefault(id);

    /// <summary>The job currently holding <paramref name="port"/>, if any (a second tab joins it instead of starting another).</summary>
    public FlashJob? RunningOn(string port) =>
        _portOwners.TryGetValue(port, out var id) && _jobs.TryGetValue(id, out var job) && job.State == JobState.Running ? job : null;

    /// <summary>
    /// Starts a new job. Refuses a second job on a busy port and a request that fails validation
    /// (<see cref="JobRequestException"/>): only library firmware, only listed ports, known templates, valid pins.
    /// </summary>
    public async Task<FlashJob> StartAsync(FlashJobRequest request, CancellationToken ct = default)
    {
        await CheckAsync(request, ct);
        var id = Guid.NewGuid().ToString("N")[..12];
        var job = new FlashJob(id, request);
        await ClaimAndRunAsync(job, isNew: true, ct);
        return job;
    }

    /// <summary>Resumes an interrupted or failed job: verified steps are kept, the rest run again.</summary>
    public async Task<FlashJob> ResumeAsync(string id, CancellationToken ct = default)
    {
        if (_jobs.TryGetValue(id, out var live) && live.State == JobState.Running)
        {
            return live;
        }
        var summary = await jobs.GetAsync(id, ct) ?? throw new KeyNotFoundException($"No job '{id}'.");
        if (summary.State == JobState.Succeeded)
        {
            throw new InvalidOperationException("This job already succeeded; start a new one to flash again.");
        }
        var job = new FlashJob(id, summary.Request, summary.Steps.Where(s => s.Outcome is "verified" or "skipped" || s.Step == JobSteps.Pins));
        job.AddLog("info", $"Resuming; kept: {string.Join(", ", summary.Steps.Where(s => s.Outcome == "verified").Select(s => s.Step))}");
        await ClaimAndRunAsync(job, isNew: false, ct);
        return job;
    }

    public void Cancel(string id)
    {
        if (_jobs.TryGetValue(id, out var job))
        {
            job.Cancellation.Cancel();
        }
    }

    private async Task ClaimAndRunAsync(FlashJob job, bool isNew, CancellationToken ct)
    {
        if (!_portOwners.TryAdd(job.Request.Port, job.Id))
        {
            throw new InvalidOperationException($"{job.Request.Port} is busy with job {_portOwners[job.Request.Port]}; one flash job per port at a time.");
        }
        try
        {
            if (isNew)
            {
                await jobs.CreateAsync(job.Id, job.Request, ct);
            }
            else
            {
                await jobs.SetStateAsync(job.Id, JobState.Running, null, ct);
            }
        }
        catch
        {
            _portOwners.TryRemove(job.Request.Port, out _);
            throw;
        }
        _jobs[job.Id] = job;
        _ = Task.Run(() => RunGuardedAsync(job), CancellationToken.None);
    }

    private async Task RunGuardedAsync(FlashJob job)
    {
        var state = JobState.Failed;
        string? error = null;
        string? hint = null;
        try
        {
            var plan = await PlanAsync(job.Request, job.Cancellation.Token);
            await _pipeline.RunAsync(job, plan, jobs, job.Cancellation.Token);
            state = JobState.Succeeded;
        }
        catch (PinsNeededException ex)
        {
            state = JobState.NeedsPins;
            error = ex.Message;
            hint = ex.Hint;
        }
        catch (OperationCanceledException)
        {
            state = _stopping ? JobState.Interrupted : JobState.Cancelled;
            error = _stopping ? "The hub stopped while this job ran." : "Cancelled.";
            hint = "Resume the job to continue from the last verified step.";
        }
        catch (FlashException ex)
        {
            error = ex.Message;
            hint = ex.Hint;
        }
        catch (ProvisioningException ex)
        {
            error = ex.Message;
            hint = ex.Hint;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or TimeoutException)
        {
            error = ex.Message;
            hint = ex is IOException or UnauthorizedAccessException
                ? "Check that the adapter is plugged in and that the hub's user may open it (dialout group), then resume."
                : "Resume the job once the cause is fixed.";
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Job {JobId} failed unexpectedly", job.Id);
            error = "Unexpected error: " + ex.Message;
        }
        finally
        {
            _portOwners.TryRemove(job.Request.Port, out _);
        }
        if (error is not null)
        {
            job.AddLog("error", error + (hint is null ? "" : " — " + hint));
            _logger.LogWarning("Job {JobId} on {Port} ended {State}: {Error}", job.Id, job.Request.Port, state, error);
        }
        else
        {
            _logger.LogInformation("Job {JobId} on {Port} succeeded", job.Id, job.Request.Port);
        }
        try
        {
            await jobs.SetStateAsync(job.Id, state, error is null ? null : error + (hint is null ? "" : " Hint: " + hint), CancellationToken.None);
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException)
        {
            _logger.LogError(ex, "Could not record the end of job {JobId}", job.Id);
        }
        job.Finish(state, error, hint);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>On shutdown, running jobs stop at the next bounded wait and are recorded as interrupted (resumable).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        var running = _jobs.Values.Where(j => j.State == JobState.Running).ToList();
        foreach (var job in running)
        {
            await job.Cancellation.CancelAsync();
        }
        try
        {
            await Task.WhenAll(running.Select(j => j.Completion.Task)).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("Some flash jobs did not stop within 10 s; they are marked interrupted at the next start");
        }
    }
}
