using OpenBekenHub.Flashing.Operations;
using OpenBekenHub.Flashing.Transport;
using OpenBekenHub.Simulators.Bootloader;

namespace OpenBekenHub.Flashing.Tests.Support;

/// <summary>
/// The bootloader emulator behind a real pseudo-terminal (posix_openpt); the flasher opens <see cref="HostPath"/>
/// through System.IO.Ports, exactly as it opens /dev/ttyUSB0.
/// </summary>
public sealed class EmulatedPort : IAsyncDisposable
{
    private EmulatedPort(PtyBootloader pty) => Pty = pty;

    public PtyBootloader Pty { get; }

    public BootloaderEmulator Emulator => Pty.Emulator;

    public string HostPath => Pty.HostPath;

    public static async Task<EmulatedPort> StartAsync(EmulatedChip chip, Action<EmulatorOptions>? configure = null)
    {
        var options = new EmulatorOptions { Chip = chip };
        configure?.Invoke(options);
        return new EmulatedPort(await PtyBootloader.StartAsync(options).ConfigureAwait(false));
    }

    public static FlashSessionOptions SessionOptions(int baud = 921_600) => new()
    {
        BaudRate = baud,
        Loader = new BkLoaderOptions { CatchTimeout = TimeSpan.FromSeconds(15) },
    };

    public Task<FlashSession> ConnectAsync(FlashSessionOptions? options = null, CancellationToken cancellationToken = default) =>
        FlashSession.OpenSerialAsync(HostPath, options ?? SessionOptions(), cancellationToken: cancellationToken);

    public ValueTask DisposeAsync() => Pty.DisposeAsync();
}
