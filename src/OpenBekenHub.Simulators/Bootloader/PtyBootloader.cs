using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OpenBekenHub.Simulators.Bootloader;

/// <summary>
/// A <see cref="BootloaderEmulator"/> behind a pseudo-terminal made with posix_openpt (no socat needed). Flashers
/// open <see cref="HostPath"/> (a stable symlink to the current /dev/pts/N) with System.IO.Ports or pyserial.
/// The host may close and reopen the port at will. When the emulator drops the line (the disconnect fault, a
/// pulled cable), a fresh pty is put behind the same <see cref="HostPath"/>, like a re-plugged adapter.
/// </summary>
public sealed class PtyBootloader : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly string _directory;
    private Task _loop = Task.CompletedTask;
    private PtyMaster? _master;
    private int _generation;

    private PtyBootloader(BootloaderEmulator emulator, string directory, ILogger logger)
    {
        Emulator = emulator;
        _directory = directory;
        _logger = logger;
        HostPath = Path.Combine(directory, emulator.Options.Chip.ToString().ToLowerInvariant());
    }

    public BootloaderEmulator Emulator { get; }

    /// <summary>What a flasher opens: a symlink to the current pty slave.</summary>
    public string HostPath { get; }

    /// <summary>The /dev/pts/N behind <see cref="HostPath"/> now.</summary>
    public string DevicePtsPath => _master?.SlavePath ?? "";

    /// <summary>How many times the line was (re)created: 1 at start, +1 after each emulator-side disconnect.</summary>
    public int LineGeneration => Volatile.Read(ref _generation);

    public static Task<PtyBootloader> StartAsync(EmulatorOptions options, ILogger? logger = null, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        var log = logger ?? NullLogger.Instance;
        var directory = Path.Combine(Path.GetTempPath(), $"obkhub-pty-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var host = new PtyBootloader(new BootloaderEmulator(options, log), directory, log);
        host.OpenLine();
        host._loop = Task.Run(host.ServeAsync, CancellationToken.None);
        return Task.FromResult(host);
    }

    private void OpenLine()
    {
        var master = PtyMaster.Open(Emulator.Options.BaudTimeMode ? 256 : 4096);
        var temp = HostPath + ".new";
        File.Delete(temp);
        File.CreateSymbolicLink(temp, master.SlavePath);
        File.Move(temp, HostPath, overwrite: true);
        _master = master;
        Emulator.HostBaudProbe = master.HostBaud;
        Interlocked.Increment(ref _generation);
        _logger.LogInformation("Bootloader emulator ({Chip}) on {HostPath} -> {Pts}", Emulator.Options.Chip, HostPath, master.SlavePath);
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var master = _master!;
            try
            {
                await Emulator.RunAsync(master, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Bootloader emulator stopped serving; re-creating the line");
            }
            await master.DisposeAsync().ConfigureAwait(false);
            if (_stop.IsCancellationRequested)
            {
                break;
            }
            OpenLine();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("Bootloader emulator did not stop within 5 s");
        }
        if (_master is { } master)
        {
            await master.DisposeAsync().ConfigureAwait(false);
        }
        Emulator.Dispose();
        _stop.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
