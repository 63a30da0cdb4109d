using System.Globalization;
using System.Text.Json;
using OpenBekenHub.Flashing.Errors;
using OpenBekenHub.Flashing.Progress;
using Spectre.Console;

namespace OpenBekenHub.Cli;

/// <summary>Shared plumbing of the flashing verbs: number parsing, JSON output, one-line errors, Spectre progress.</summary>
internal static class FlashCliSupport
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Parses 123, 0x11000 or 1M / 2M / 4K.</summary>
    public static uint ParseSize(string text)
    {
        var t = text.Trim();
        var multiplier = 1u;
        if (t.EndsWith('K') || t.EndsWith('k'))
        {
            multiplier = 1024;
            t = t[..^1];
        }
        else if (t.EndsWith('M') || t.EndsWith('m'))
        {
            multiplier = 1024 * 1024;
            t = t[..^1];
        }
        var value = t.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? uint.Parse(t[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : uint.Parse(t, CultureInfo.InvariantCulture);
        return checked(value * multiplier);
    }

    public static void WriteJson(object value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, Json));

    /// <summary>Runs a verb body: FlashException becomes one stderr line (or a JSON error) and its exit code.</summary>
    public static async Task<int> RunAsync(bool json, Func<IProgress<FlashProgress>?, Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            if (json || Console.IsOutputRedirected)
            {
                return await body(null);
            }
            var result = 0;
            await AnsiConsole.Progress()
                .AutoClear(false)
                .HideCompleted(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                .StartAsync(async ctx => result = await body(new SpectreProgress(ctx)));
            return result;
        }
        catch (FlashException ex)
        {
            if (json)
            {
                WriteJson(new { status = "error", kind = ex.Kind, error = ex.Message, hint = ex.Hint, exitCode = ex.ExitCode });
            }
            await Console.Error.WriteLineAsync($"obkhub: {ex.Message} Hint: {ex.Hint}");
            return ex.ExitCode;
        }
        catch (Provisioning.Errors.ProvisioningException ex)
        {
            if (json)
            {
                WriteJson(new { status = "error", kind = ex.Kind.ToString(), error = ex.Message, hint = ex.Hint, exitCode = ex.ExitCode });
            }
            await Console.Error.WriteLineAsync($"obkhub: {ex.Message} Hint: {ex.Hint}");
            return ex.ExitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("obkhub: cancelled by user.");
            return FlashExitCodes.Cancelled;
        }
        catch (IOException ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            await Console.Error.WriteLineAsync($"obkhub: {ex.Message}");
            return FlashExitCodes.General;
        }
    }

    /// <summary>Draws <see cref="FlashProgress"/> as one Spectre progress bar per phase; messages become lines.</summary>
    private sealed class SpectreProgress(ProgressContext context) : IProgress<FlashProgress>
    {
        private readonly Dictionary<FlashPhase, ProgressTask> _tasks = [];
        private readonly object _gate = new();

        public void Report(FlashProgress value)
        {
            lock (_gate)
            {
                if (value.BytesTotal <= 0)
                {
                    if (!string.IsNullOrEmpty(value.Message))
                    {
                        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(value.Message)}[/]");
                    }
                    return;
                }
                if (!_tasks.TryGetValue(value.Phase, out var task) || task.IsFinished && value.BytesDone < task.Value)
                {
                    task = context.AddTask(Markup.Escape(value.Message ?? value.Phase.ToString()), maxValue: value.BytesTotal);
                    _tasks[value.Phase] = task;
                }
                task.MaxValue = value.BytesTotal;
                task.Value = value.BytesDone;
            }
        }
    }
}
