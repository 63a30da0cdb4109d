using System.Collections.Concurrent;
using System.Threading.Channels;
using OpenBekenHub.Flashing.Progress;

namespace OpenBekenHub.Jobs;

/// <summary>What the pages show of a job at one moment (also the SSE payload).</summary>
public sealed record JobView(
    string Id,
    string Port,
    JobState State,
    IReadOnlyList<JobStepView> Steps,
    ProgressView? Progress,
    IReadOnlyList<JobLogLine> Log,
    IReadOnlyDictionary<string, string> Facts,
    string? Error,
    string? Hint,
    bool LinkChecking);

public sealed record JobStepView(string Step, string Title, string Outcome, string? Detail, StepResult? Result = null);

public sealed record ProgressView(string Phase, long Done, long Total, double Percent, double BytesPerSecond, double? EtaSeconds, string? Message);

/// <summary>
/// A running (or just finished) job: its steps, progress, log and facts, and the subscribers watching it. Any number of
/// browser tabs can watch; each gets the full state first, then every change.
/// </summary>
public sealed class FlashJob
{
    private const int MaxLog = 400;
    private readonly object _gate = new();
    private readonly List<JobLogLine> _log = [];
    private readonly Dictionary<string, JobStepView> _steps = [];
    private readonly ConcurrentDictionary<Channel<JobView>, bool> _watchers = new();
    private ProgressView? _progress;
    private long _lastProgressPublish;
    private bool _finished;

    public FlashJob(string id, FlashJobRequest request, IEnumerable<JobStepRecord>? previous = null)
    {
        Id = id;
        Request = request;
        foreach (var step in JobSteps.All)
        {
            _steps[step] = new JobStepView(step, JobSteps.Title(step), "pending", null);
        }
        foreach (var p in previous ?? [])
        {
            _steps[p.Step] = new JobStepView(p.Step, JobSteps.Title(p.Step), p.Outcome, p.Detail, p.Result);
        }
    }

    public string Id { get; }

    public FlashJobRequest Request { get; }

    public JobState State { get; private set; } = JobState.Running;

    public string? Error { get; private set; }

    public string? Hint { get; private set; }

    public bool LinkChecking { get; private set; }

    public ConcurrentDictionary<string, string> Facts { get; } = new(StringComparer.Ordinal);

    public CancellationTokenSource Cancellation { get; } = new();

    public TaskCompletionSource<JobState> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsDone(string step)
    {
        lock (_gate)
        {
            return _steps[step].Outcome is "verified" or "skipped";
        }
    }

    /// <summary>The typed result a step left (kept across a resume), or null.</summary>
    public StepResult? Result(string step)
    {
        lock (_gate)
        {
            return _steps[step].Result;
        }
    }

    /// <summary>Every log line as it is added (the CLI prints them; the pages get them through <see cref="Watch"/>).</summary>
    public event Action<JobLogLine>? Logged;

    public JobView View()
    {
        lock (_gate)
        {
            return ViewLocked();
        }
    }

    public void SetStep(string step, string outcome, string? detail = null, StepResult? result = null)
    {
        lock (_gate)
        {
            _steps[step] = new JobStepView(step, JobSteps.Title(step), outcome, detail, result);
        }
        Publish();
    }

    public void AddLog(string level, string text)
    {
        var line = new JobLogLine(DateTimeOffset.UtcNow, level, text);
        lock (_gate)
        {
            _log.Add(line);
            if (_log.Count > MaxLog)
            {
                _log.RemoveRange(0, _log.Count - MaxLog);
            }
        }
        Logged?.Invoke(line);
        Publish();
    }

    public void OnProgress(FlashProgress p)
    {
        LinkChecking = p.Phase == FlashPhase.Connecting;
        var view = new ProgressView(p.Phase.ToString(), p.BytesDone, p.BytesTotal, Math.Round(p.Fraction * 100, 1), Math.Round(p.BytesPerSecond),
            p.Eta?.TotalSeconds is { } eta ? Math.Round(eta, 1) : null, p.Message);
        lock (_gate)
        {
            _progress = view;
            if (p.Message is { Length: > 0 } m && (_log.Count == 0 || _log[^1].Text != m))
            {
                _log.Add(new JobLogLine(DateTimeOffset.UtcNow, "info", m));
            }
        }
        // byte counters tick per 4 KiB sector; browsers need ~10 updates a second, not hundreds
        var now = Environment.TickCount64;
        if (p.Message is not null || p.BytesDone >= p.BytesTotal || now - Interlocked.Read(ref _lastProgressPublish) >= 100)
        {
            Interlocked.Exchange(ref _lastProgressPublish, now);
            Publish();
        }
    }

    public void Finish(JobState state, string? error = null, string? hint = null)
    {
        JobView final;
        List<Channel<JobView>> watchers;
        // the end state and the list of watchers are taken under the same lock Watch registers under, so a tab that
        // starts watching during Finish either gets the final view or is in this list — never left on "Running"
        lock (_gate)
        {
            State = state;
            Error = error;
            Hint = hint;
            LinkChecking = false;
            _finished = true;
            final = ViewLocked();
            watchers = [.. _watchers.Keys];
            _watchers.Clear();
        }
        foreach (var w in watchers)
        {
            w.Writer.TryWrite(final);
            w.Writer.TryComplete();
        }
        Completion.TrySetResult(state);
    }

    /// <summary>A feed of views: the current one first, then one per change, ending when the job ends.</summary>
    public ChannelReader<JobView> Watch(CancellationToken ct)
    {
        var channel = Channel.CreateBounded<JobView>(new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_gate)
        {
            channel.Writer.TryWrite(ViewLocked());
            if (_finished)
            {
                channel.Writer.TryComplete();
                return channel.Reader;
            }
            _watchers[channel] = true;
        }
        ct.Register(() =>
        {
            _watchers.TryRemove(channel, out _);
            channel.Writer.TryComplete();
        });
        return channel.Reader;
    }

    private JobView ViewLocked() =>
        new(Id, Request.Port, State, [.. JobSteps.All.Select(s => _steps[s])], _progress, [.. _log], new Dictionary<string, string>(Facts), Error, Hint, LinkChecking);

    private void Publish()
    {
        if (_watchers.IsEmpty)
        {
            return;
        }
        // written under the lock (the channels never block): a view taken before Finish cannot land after the final one
        lock (_gate)
        {
            if (_finished)
            {
                return;
            }
            var view = ViewLocked();
            foreach (var w in _watchers.Keys)
            {
                w.Writer.TryWrite(view);
            }
        }
    }
}

/// <summary>Reports synchronously, in order (Progress&lt;T&gt; would post to the thread pool and reorder).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
