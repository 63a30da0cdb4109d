using System.Collections.Concurrent;
using OpenBekenHub.Flashing.Images;
using OpenBekenHub.Library;

namespace OpenBekenHub.Ota;

/// <summary>
/// Runs rollouts: wave after wave, at most <c>concurrency</c> plugs at a time, stopping after a wave whose failed share
/// reaches the threshold; pause (no new plugs start), resume, abort (downloads are cut, pending plugs skipped). Every
/// change is stored first, so a hub restart resumes running rollouts where they were.
/// </summary>
public sealed class RolloutService(RolloutStore store, FirmwareLibrary library, IFleetView fleet, PlugUpdater updater, ILogger<RolloutService> logger)
    : BackgroundService
{
    private readonly ConcurrentDictionary<string, Run> _runs = new(StringComparer.Ordinal);
    private CancellationToken _stopping;

    /// <summary>Time each finished wave took, per rollout (for the benchmark and the page).</summary>
    public IReadOnlyList<TimeSpan> WaveDurations(string id) => _runs.TryGetValue(id, out var run) ? [.. run.WaveTimes] : [];

    /// <summary>What a request would do, without starting anything (the page's preview).</summary>
    public async Task<(OtaTarget Target, RolloutPlan Plan)> PreviewAsync(RolloutRequest request, CancellationToken ct)
    {
        var (target, _) = await LoadTargetAsync(request.FirmwareId ?? throw new ArgumentException("firmwareId is required"), ct);
        return (target, RolloutPlanner.Plan(target, fleet.List(), request));
    }

    /// <summary>Plans, stores and starts a rollout. Throws <see cref="ArgumentException"/> for a bad request.</summary>
    public async Task<string> StartAsync(RolloutRequest request, CancellationToken ct)
    {
        var (target, plan) = await PreviewAsync(request, ct);
        if (!plan.Eligible.Any())
        {
            throw new ArgumentException("no plug is eligible: " + string.Join("; ", plan.Plugs.Take(5).Select(p => $"{p.Name}: {p.Reason}")));
        }
        var id = Guid.NewGuid().ToString("N")[..12];
        await store.CreateAsync(id, target.FirmwareId, plan, ct);
        logger.LogInformation("Rollout {Id}: {File} ({Version}) to {Count} plug(s) in {Waves} wave(s), {Skipped} skipped",
            id, target.FileName, target.Version, plan.Eligible.Count(), plan.Eligible.Select(p => p.Wave).Distinct().Count(), plan.Plugs.Count(p => p.Result == PlugResult.Skipped));
        Launch(id, paused: false);
        return id;
    }

    public async Task<bool> PauseAsync(string id, CancellationToken ct) => await SetGateAsync(id, RolloutState.Paused, ct);

    public async Task<bool> ResumeAsync(string id, CancellationToken ct) => await SetGateAsync(id, RolloutState.Running, ct);

    public async Task<bool> AbortAsync(string id, CancellationToken ct)
    {
        if (!_runs.TryGetValue(id, out var run) || RolloutState.IsFinal(run.State))
        {
            return false;
        }
        run.State = RolloutState.Aborted;
        await store.SetStateAsync(id, RolloutState.Aborted, "aborted by the user", ct);
        await run.Abort.CancelAsync();
        run.Open();
        return true;
    }

    public async Task<RolloutView?> GetAsync(string id, CancellationToken ct) => WithProgress(await store.GetAsync(id, ct));

    public async Task<IReadOnlyList<RolloutView>> ListAsync(CancellationToken ct) => [.. (await store.ListAsync(ct)).Select(v => WithProgress(v)!)];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        foreach (var rollout in await store.UnfinishedAsync(stoppingToken))
        {
            logger.LogInformation("Rollout {Id} resumes after a restart ({State})", rollout.Id, rollout.State);
            Launch(rollout.Id, rollout.State == RolloutState.Paused);
        }
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            await Task.WhenAll(_runs.Values.Select(r => r.Task ?? Task.CompletedTask));
        }
    }

    private void Launch(string id, bool paused)
    {
        var run = new Run(id, paused, _stopping);
        _runs[id] = run;
        run.Task = Task.Run(() => RunAsync(run));
    }

    private async Task<bool> SetGateAsync(string id, string state, CancellationToken ct)
    {
        if (!_runs.TryGetValue(id, out var run) || RolloutState.IsFinal(run.State))
        {
            return false;
        }
        run.State = state;
        await store.SetStateAsync(id, state, null, ct);
        if (state == RolloutState.Running)
        {
            run.Open();
        }
        else
        {
            run.Close();
        }
        return true;
    }

    private RolloutView? WithProgress(RolloutView? view)
    {
        if (view is null || !_runs.TryGetValue(view.Id, out var run))
        {
            return view;
        }
        return view with
        {
            State = run.State,
            Devices = [.. view.Devices.Select(p => run.Downloads.TryGetValue(p.Id, out var d) ? p with { BytesServed = d.Served, BytesTotal = d.File.Length } : p)],
        };
    }

    private async Task<(OtaTarget Target, byte[] File)> LoadTargetAsync(string firmwareId, CancellationToken ct)
    {
        var found = await library.GetAsync(firmwareId, ct) ?? throw new ArgumentException($"no firmware '{firmwareId}' in the library");
        if (!found.Entry.IsOta)
        {
            throw new ArgumentException($"'{found.Entry.FileName}' is a {found.Entry.Kind} serial-flash image; OTA needs an .rbl package");
        }
        var info = RblValidator.Validate(found.Data);
        if (!info.IsValid)
        {
            throw new ArgumentException($"'{found.Entry.FileName}' no longer validates: {info.Error}");
        }
        return (new OtaTarget(firmwareId, found.Entry.FileName, info.Chip!, info.Version!, info.Variant ?? "", info.Length), found.Data);
    }

    private async Task RunAsync(Run run)
    {
        var ct = run.Abort.Token;
        try
        {
            var view = await store.GetAsync(run.Id, ct) ?? throw new InvalidOperationException($"rollout {run.Id} vanished");
            var (target, file) = await LoadTargetAsync(view.FirmwareId, ct);
            foreach (var wave in view.Devices.Where(p => p.Wave > 0).GroupBy(p => p.Wave).OrderBy(g => g.Key))
            {
                var started = DateTimeOffset.UtcNow;
                var results = await RunWaveAsync(run, [.. wave], target, file, view.Settings, ct);
                run.WaveTimes.Enqueue(DateTimeOffset.UtcNow - started);
                var bad = results.Count(p => p.Result is PlugResult.Failed or PlugResult.TimedOut);
                if (bad > 0 && bad >= view.Settings.FailureThreshold * results.Count)
                {
                    var why = $"stopped after wave {wave.Key}: {bad} of {results.Count} plug(s) failed (threshold {view.Settings.FailureThreshold:P0})";
                    await SkipPendingAsync(run.Id, "not attempted: the rollout " + why, ct);
                    await FinishAsync(run, RolloutState.Stopped, why);
                    return;
                }
            }
            await FinishAsync(run, RolloutState.Completed, null);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // hub stopping: state stays running/paused, plugs stay updating; the next start resumes them
        }
        catch (OperationCanceledException)
        {
            await SkipPendingAsync(run.Id, "not attempted: the rollout was aborted", CancellationToken.None);
        }
        catch (ArgumentException ex)
        {
            await FinishAsync(run, RolloutState.Stopped, ex.Message);
        }
    }

    private async Task<List<RolloutPlug>> RunWaveAsync(Run run, List<RolloutPlug> wave, OtaTarget target, byte[] file, RolloutSettings settings, CancellationToken ct)
    {
        using var slots = new SemaphoreSlim(settings.Concurrency);
        var tasks = wave.Select(async plug =>
        {
            if (PlugResult.IsDone(plug.Result))
            {
                return plug;
            }
            await slots.WaitAsync(ct);
            try
            {
                await run.WaitOpenAsync(ct);
                var updating = plug with { Result = PlugResult.Updating, Reason = null };
                await store.SetPlugAsync(run.Id, updating, CancellationToken.None);
                RolloutPlug done;
                try
                {
                    done = await updater.RunAsync(new PlugUpdater.Job(run.Id, updating, target, file, settings),
                        d => { if (d is null) { run.Downloads.TryRemove(plug.Id, out _); } else { run.Downloads[plug.Id] = d; } }, ct);
                }
                catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
                {
                    done = updating with { Result = PlugResult.Failed, Reason = "aborted while updating: the download was cut, check the plug runs its old version" };
                }
                await store.SetPlugAsync(run.Id, done, CancellationToken.None);
                logger.LogInformation("Rollout {Id}: {Device} {Result} {Reason}", run.Id, done.Id, done.Result, done.Reason);
                return done;
            }
            finally
            {
                slots.Release();
            }
        }).ToList();
        return [.. await Task.WhenAll(tasks)];
    }

    private async Task SkipPendingAsync(string id, string reason, CancellationToken ct)
    {
        var view = await store.GetAsync(id, ct);
        foreach (var p in view?.Devices.Where(p => p.Result == PlugResult.Pending) ?? [])
        {
            await store.SetPlugAsync(id, p with { Result = PlugResult.Skipped, Reason = reason }, ct);
        }
    }

    private async Task FinishAsync(Run run, string state, string? note)
    {
        run.State = state;
        await store.SetStateAsync(run.Id, state, note, CancellationToken.None);
        logger.LogInformation("Rollout {Id} {State} {Note}", run.Id, state, note);
    }

    private sealed class Run
    {
        private readonly Lock _gate = new();
        private TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Run(string id, bool paused, CancellationToken stopping)
        {
            Id = id;
            State = paused ? RolloutState.Paused : RolloutState.Running;
            Abort = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            if (!paused)
            {
                _open.TrySetResult();
            }
        }

        public string Id { get; }

        public volatile string State;

        public CancellationTokenSource Abort { get; }

        public Task? Task { get; set; }

        public ConcurrentDictionary<string, OtaDownload> Downloads { get; } = new(StringComparer.Ordinal);

        public ConcurrentQueue<TimeSpan> WaveTimes { get; } = new();

        public Task WaitOpenAsync(CancellationToken ct)
        {
            lock (_gate)
            {
                return _open.Task.WaitAsync(ct);
            }
        }

        public void Open()
        {
            lock (_gate)
            {
                _open.TrySetResult();
            }
        }

        public void Close()
        {
            lock (_gate)
            {
                if (_open.Task.IsCompleted)
                {
                    _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
        }
    }
}
