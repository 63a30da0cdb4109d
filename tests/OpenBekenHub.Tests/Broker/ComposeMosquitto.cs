using System.Globalization;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Tests.Broker;

/// <summary>
/// The compose stack's broker on this machine: deploy/mosquitto/init-dynsec.sh and deploy/mosquitto/mosquitto.conf as
/// shipped, with only the container paths and the port moved into a temp dir, and Debian's dynsec plugin path.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ComposeMosquitto : IAsyncDisposable
{
    private const string DebianPlugin = "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so";
    private readonly TempDir _dir = new("compose-mosquitto");
    private ExternalProcess? _process;

    public int Port { get; } = FreePort.Next();

    public string PortText => Port.ToString(CultureInfo.InvariantCulture);

    public string SecretFile => Path.Combine(_dir.Path, "secrets", "dynsec-admin");

    public string AdminPassword => File.ReadAllText(SecretFile).Trim();

    public static async Task<ComposeMosquitto> StartAsync()
    {
        var m = new ComposeMosquitto();
        var data = Path.Combine(m._dir.Path, "data") + "/";
        Directory.CreateDirectory(data);
        Directory.CreateDirectory(Path.GetDirectoryName(m.SecretFile)!);
        // mosquitto started as root drops to the "mosquitto" user: the data dir must be writable for it
        File.SetUnixFileMode(data, (UnixFileMode)0b1_111_111_111);
        var deploy = Path.Combine(SharedData.RepoRoot, "deploy", "mosquitto");
        var init = (await File.ReadAllTextAsync(Path.Combine(deploy, "init-dynsec.sh")))
            .Replace("/secrets/", Path.GetDirectoryName(m.SecretFile) + "/", StringComparison.Ordinal)
            .Replace("/mosquitto/data/", data, StringComparison.Ordinal)
            .Replace("chown 1883:1883", "chown mosquitto:mosquitto", StringComparison.Ordinal);
        var initPath = Path.Combine(m._dir.Path, "init-dynsec.sh");
        await File.WriteAllTextAsync(initPath, init);
        await using (var run = ExternalProcess.Start("sh", initPath))
        {
            var code = await run.WaitForExitAsync(TimeSpan.FromSeconds(30));
            if (code != 0)
            {
                throw new InvalidOperationException("init-dynsec.sh failed: " + run.Output);
            }
        }
        var conf = (await File.ReadAllTextAsync(Path.Combine(deploy, "mosquitto.conf")))
            .Replace("/mosquitto/data/", data, StringComparison.Ordinal)
            .Replace("/usr/lib/mosquitto_dynamic_security.so", DebianPlugin, StringComparison.Ordinal)
            .Replace("\nlistener 1883\n", $"\nlistener {m.Port} 127.0.0.1\n", StringComparison.Ordinal);
        var confPath = Path.Combine(m._dir.Path, "mosquitto.conf");
        await File.WriteAllTextAsync(confPath, conf);
        m._process = ExternalProcess.Start("mosquitto", "-c", confPath);
        await Eventually.TrueAsync(async () =>
        {
            if (m._process.HasExited)
            {
                throw new InvalidOperationException("mosquitto exited: " + m._process.Output);
            }
            // the compose health check, as the dynsec admin
            await using var probe = m.Client("mosquitto_sub", "-u", "admin", "-P", m.AdminPassword, "-t", "$SYS/broker/version", "-C", "1", "-W", "3");
            return await probe.WaitForExitAsync(TimeSpan.FromSeconds(5)) == 0;
        }, TimeSpan.FromSeconds(20), "compose mosquitto passes its health check");
        return m;
    }

    public ExternalProcess Client(string tool, params string[] args) => ExternalProcess.Start(tool, ["-h", "127.0.0.1", "-p", PortText, .. args]);

    public async Task<(int Code, string Output)> RunAsync(string tool, params string[] args)
    {
        await using var process = Client(tool, args);
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        return (code, process.Output);
    }

    public string Log => _process?.Output ?? "";

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
        _dir.Dispose();
    }
}
