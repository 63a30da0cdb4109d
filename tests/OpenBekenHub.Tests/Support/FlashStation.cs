using OpenBekenHub.Simulators.Bootloader;
using OpenBekenHub.Simulators.Firmware;
using OpenBekenHub.Simulators.Images;
using OpenBekenHub.Simulators.Plugs;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Tests.Support;

/// <summary>
/// A simulated flashing station: a stock plug's bootloader on a pty, and, when the flasher reboots it, the plug
/// "boots" the firmware: the plug simulator reads the configuration block out of the emulated flash with its own
/// parser and connects to the broker with what it finds there.
/// </summary>
public sealed class FlashStation : IAsyncDisposable
{
    public const string Mac = "c8:47:8c:12:34:56";

    private readonly CancellationTokenSource _stop = new();
    private Task? _bootWatch;

    private FlashStation(PtyBootloader pty, EmulatedChip chip)
    {
        Pty = pty;
        Chip = chip;
    }

    public PtyBootloader Pty { get; }

    public EmulatedChip Chip { get; }

    public string Port => Pty.HostPath;

    public SimulatedPlug? BootedPlug { get; private set; }

    public static async Task<FlashStation> StartAsync(EmulatedChip chip = EmulatedChip.Bk7231N, Action<EmulatorOptions>? configure = null, Action<byte[]>? stock = null)
    {
        var image = StockFlash.Build(chip, Mac);
        stock?.Invoke(image);
        var options = new EmulatorOptions { Chip = chip, InitialImage = image };
        configure?.Invoke(options);
        return new FlashStation(await PtyBootloader.StartAsync(options), chip);
    }

    /// <summary>When the emulated chip leaves the bootloader, start the plug from the flash contents.</summary>
    public void BootPlugOnReboot(Func<PlugSettings, PlugSettings>? adjust = null)
    {
        _bootWatch = Task.Run(async () =>
        {
            await Eventually.TrueAsync(() => Pty.Emulator.RunningApp, TimeSpan.FromMinutes(3), "the flasher rebooted the chip");
            var settings = FirmwareBoot.FromFlash(Pty.Emulator.Flash.Snapshot(), Chip == EmulatedChip.Bk7231N ? "BK7231N" : "BK7231T");
            BootedPlug = new SimulatedPlug(adjust is null ? settings : adjust(settings));
            await BootedPlug.StartAsync(_stop.Token);
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (BootedPlug is not null)
        {
            await BootedPlug.DisposeAsync();
        }
        await Pty.DisposeAsync();
        _stop.Dispose();
    }
}
