using System.Diagnostics;
using System.Net.Sockets;

namespace OpenBekenHub.Cli;

/// <summary>A Mosquitto process for "bench bridge" (plain, or with dynamic security), in its own temp directory.</summary>
internal sealed class BenchMosquitto : IAsyncDisposable
{
    /// <summary>Debian's and Ubuntu's path (package mosquitto); the official image has /usr/lib/mosquitto_dynamic_security.so.</summary>
    public static readonly string[] DynSecPluginPaths =
        ["/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so", "/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so", "/usr/lib/mosquitto_dynamic_security.so"];

    private readonly Process _process;

    private BenchMosquitto(Process process, DirectoryInfo dir)
    {
        _process = process;
        Directory = dir;
    }

    public DirectoryInfo Directory { get; }

    /// <summary>Settings for thousands of clients on loopback; <paramref name="extra"/> adds lines (accounts, plugins).</summary>
    public static async Task<BenchMosquitto> StartAsync(int port, DirectoryInfo dir, string extra, CancellationToken ct)
    {
        var conf = Path.Combine(dir.FullName, "mosquitto.conf");
        await File.WriteAllTextAsync(conf,
            $"listener {port} 127.0.0.1\npersistence false\nmax_connections -1\nmax_queued_messages 100000\nlog_type error\n{extra}", ct);
        var psi = new ProcessStartInfo("mosquitto") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(conf);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start mosquitto (apt install mosquitto)");
        var output = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var broker = new BenchMosquitto(process, dir);
        var sw = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port, ct);
                return broker;
            }
            catch (SocketException) when (sw.Elapsed < TimeSpan.FromSeconds(10) && !process.HasExited)
            {
                await Task.Delay(50, ct);
            }
            catch (SocketException)
            {
                await broker.DisposeAsync();
                lock (output)
                {
                    throw new InvalidOperationException($"mosquitto did not start: {output.ToString().Trim()}");
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        BenchChild.Kill(_process);
        await _process.WaitForExitAsync();
        _process.Dispose();
        Directory.Delete(recursive: true);
    }
}

/// <summary>A child process of the benchmark, killed (with its tree) on dispose.</summary>
internal sealed class BenchChild(Process process) : IDisposable
{
    public int Id => process.Id;

    public void Dispose()
    {
        Kill(process);
        process.WaitForExit(5000);
        process.Dispose();
    }

    public static void Kill(Process p)
    {
        try
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }
}
