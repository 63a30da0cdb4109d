using System.Globalization;
using System.Text.Json;
using OpenBekenHub.Store;

namespace OpenBekenHub.Jobs;

public sealed record JobSummary(
    string Id, string Kind, string? Port, JobState State, FlashJobRequest Request, string? Error, DateTimeOffset Created, DateTimeOffset Updated,
    IReadOnlyList<JobStepRecord> Steps);

/// <summary>Jobs and their step outcomes in the store: each step is committed as it completes, so a crash loses none.</summary>
public sealed class JobStore(HubStore store) : IJobRecorder
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task CreateAsync(string id, FlashJobRequest request, CancellationToken ct = default)
    {
        await using var c = await store.OpenAsync(ct);
        using var cmd = c.Command(
            "INSERT INTO jobs(id, kind, port, state, request_json, created_utc, updated_utc) VALUES ($id, 'flash', $port, $state, $req, $t, $t);", null,
            ("$id", id), ("$port", request.Port), ("$state", JobState.Running.ToString()), ("$req", JsonSerializer.Serialize(request, Json)), ("$t", HubStore.Now()));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task SetStateAsync(string id, JobState state, string? error, CancellationToken ct = default)
    {
        await using var c = await store.OpenAsync(ct);
        using var cmd = c.Command("UPDATE jobs SET state = $s, error = $e, updated_utc = $t WHERE id = $id;", null,
            ("$id", id), ("$s", state.ToString()), ("$e", error), ("$t", HubStore.Now()));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The job's request after the user chose pins (the request holds no secrets).</summary>
    public async Task UpdateRequestAsync(string id, FlashJobRequest request, CancellationToken ct = default)
    {
        await using var c = await store.OpenAsync(ct);
        using var cmd = c.Command("UPDATE jobs SET request_json = $req, updated_utc = $t WHERE id = $id;", null,
            ("$id", id), ("$req", JsonSerializer.Serialize(request, Json)), ("$t", HubStore.Now()));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task RecordStepAsync(string id, string step, string outcome, StepResult? result, CancellationToken ct = default)
    {
        await store.InTransactionAsync(async (c, tx) =>
        {
            using var cmd = c.Command(
                """
                INSERT INTO job_steps(job_id, step, outcome, detail, result_json, at_utc) VALUES ($id, $s, $o, $d, $r, $t)
                ON CONFLICT(job_id, step) DO UPDATE SET outcome = excluded.outcome, detail = excluded.detail, result_json = excluded.result_json, at_utc = excluded.at_utc;
                """, tx, ("$id", id), ("$s", step), ("$o", outcome), ("$d", result?.Detail),
                ("$r", result is null ? null : JsonSerializer.Serialize(result, Json)), ("$t", HubStore.Now()));
            await cmd.ExecuteNonQueryAsync(ct);
            using var touch = c.Command("UPDATE jobs SET updated_utc = $t WHERE id = $id;", tx, ("$id", id), ("$t", HubStore.Now()));
            await touch.ExecuteNonQueryAsync(ct);
        }, ct);
    }

    /// <summary>Marks jobs that were running when the hub stopped as interrupted (start-up); returns how many.</summary>
    public async Task<int> MarkInterruptedAsync(CancellationToken ct = default)
    {
        await using var c = await store.OpenAsync(ct);
        using var cmd = c.Command("UPDATE jobs SET state = $s, error = $e, updated_utc = $t WHERE state = $running;", null,
            ("$s", JobState.Interrupted.ToString()), ("$e", "The hub stopped while this job ran. Resume it to continue from the last verified step."),
            ("$running", JobState.Running.ToString()), ("$t", HubStore.Now()));
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<JobSummary?> GetAsync(string id, CancellationToken ct = default)
    {
        var found = await QueryAsync("WHERE id = $id", ct, ("$id", id));
        return found.Count > 0 ? found[0] : null;
    }

    public Task<IReadOnlyList<JobSummary>> ListAsync(int limit = 50, CancellationToken ct = default) =>
        QueryAsync($"ORDER BY created_utc DESC LIMIT {limit}", ct);

    private async Task<IReadOnlyList<JobSummary>> QueryAsync(string where, CancellationToken ct, params (string, object?)[] args)
    {
        await using var c = await store.OpenAsync(ct);
        using var cmd = c.Command($"SELECT id, kind, port, state, request_json, error, created_utc, updated_utc FROM jobs {where};", null, args);
        var jobs = new List<JobSummary>();
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                jobs.Add(new JobSummary(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), Enum.Parse<JobState>(r.GetString(3)),
                    JsonSerializer.Deserialize<FlashJobRequest>(r.GetString(4), Json)!, r.IsDBNull(5) ? null : r.GetString(5),
                    Parse(r.GetString(6)), Parse(r.GetString(7)), []));
            }
        }
        for (var i = 0; i < jobs.Count; i++)
        {
            using var steps = c.Command("SELECT step, outcome, detail, at_utc, result_json FROM job_steps WHERE job_id = $id;", null, ("$id", jobs[i].Id));
            await using var r = await steps.ExecuteReaderAsync(ct);
            var list = new List<JobStepRecord>();
            while (await r.ReadAsync(ct))
            {
                list.Add(new JobStepRecord(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), Parse(r.GetString(3)),
                    r.IsDBNull(4) ? null : JsonSerializer.Deserialize<StepResult>(r.GetString(4), Json)));
            }
            jobs[i] = jobs[i] with { Steps = [.. list.OrderBy(s => JobStepsIndex(s.Step))] };
        }
        return jobs;
    }

    private static int JobStepsIndex(string step)
    {
        var i = ((List<string>)[.. JobSteps.All]).IndexOf(step);
        return i < 0 ? int.MaxValue : i;
    }

    private static DateTimeOffset Parse(string s) => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture);
}
