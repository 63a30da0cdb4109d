using System.Diagnostics;
using System.Text;

namespace OpenBekenHub.TestKit;

/// <summary>
/// A child process (mosquitto, socat, python peers, obkhub itself) that is killed with its test. Keeps stdout and
/// stderr apart and together (<see cref="Output"/>, in arrival order).
/// </summary>
public sealed class ExternalProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private ExternalProcess(Process process)
    {
        _process = process;
    }

    public string Output => Read(_output);

    public string Stdout => Read(_stdout);

    public string Stderr => Read(_stderr);

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static string? Which(string program)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':').Append("/usr/sbin").Append("/usr/bin"))
        {
            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    public static ExternalProcess Start(string program, params string[] args) => Start(program, args, null, null);

    /// <summary>
    /// Starts <paramref name="program"/> (found on the PATH) with <paramref name="environment"/> added and, when
    /// <paramref name="clearPrefix"/> is given, the test runner's variables of that prefix removed.
    /// </summary>
    public static ExternalProcess Start(string program, IEnumerable<string> args, IDictionary<string, string>? environment,
        string? workingDirectory, string? clearPrefix = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        var path = Which(program) ?? throw new InvalidOperationException(
            $"'{program}' is not installed; run ./test.sh, which installs the test dependencies.");
        var psi = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        if (clearPrefix is not null)
        {
            foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith(clearPrefix, StringComparison.Ordinal)).ToList())
            {
                psi.Environment.Remove(key);
            }
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var result = new ExternalProcess(process);
        process.OutputDataReceived += (_, e) => result.Append(result._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => result.Append(result._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        _process.WaitForExit(); // drains the redirected streams, so the output is complete
        return _process.ExitCode;
    }

    private void Append(StringBuilder stream, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            stream.AppendLine(line);
            _output.AppendLine(line);
        }
    }

    private string Read(StringBuilder sb)
    {
        lock (_output)
        {
            return sb.ToString();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (OperationCanceledException)
        {
        }
        _process.Dispose();
    }
}
