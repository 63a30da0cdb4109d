using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace OpenBekenHub.Cli;

/// <summary>Measuring helpers of "bench bridge": percentiles, RSS, bounded waits, the plug simulator process.</summary>
internal static class BenchSupport
{
    public static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }
        var sorted = values.Order().ToList();
        var index = (int)Math.Ceiling(p / 100.0 * sorted.Count) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Count - 1)];
    }

    public static (double Rss, double Peak) ReadRss(int pid)
    {
        try
        {
            var lines = File.ReadAllLines($"/proc/{pid}/status");
            double Kb(string key) => double.Parse(lines.First(l => l.StartsWith(key, StringComparison.Ordinal)).Split(':')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            return (Kb("VmRSS") / 1024, Kb("VmHWM") / 1024);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            return (double.NaN, double.NaN);
        }
    }

    public static async Task WaitAsync(Func<bool> condition, TimeSpan timeout, Func<string> progress, TextWriter log, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        var lastLog = TimeSpan.Zero;
        while (!condition())
        {
            if (sw.Elapsed > timeout)
            {
                throw new TimeoutException($"bench bridge: gave up after {timeout.TotalSeconds:0} s: {progress()}");
            }
            if (sw.Elapsed - lastLog > TimeSpan.FromSeconds(5))
            {
                lastLog = sw.Elapsed;
                await log.WriteLineAsync($"  {progress()}");
            }
            await Task.Delay(100, ct);
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The plugs run in a child "obkhub simulate plugs" process, so the hub's RSS is the hub's alone.</summary>
    public static BenchChild StartSimulator(int plugs, int port, string? accountsFile = null)
    {
        var exe = Environment.ProcessPath ?? throw new InvalidOperationException("cannot find obkhub's own executable");
        var psi = new ProcessStartInfo(exe) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(exe) == "dotnet")
        {
            psi.ArgumentList.Add(typeof(BenchSupport).Assembly.Location);
        }
        foreach (var a in new[] { "simulate", "plugs", "--count", plugs.ToString(CultureInfo.InvariantCulture), "--broker", $"127.0.0.1:{port}" })
        {
            psi.ArgumentList.Add(a);
        }
        if (accountsFile is not null)
        {
            psi.ArgumentList.Add("--accounts");
            psi.ArgumentList.Add(accountsFile);
        }
        var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start the plug simulator");
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return new BenchChild(process);
    }
}
