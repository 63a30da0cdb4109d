using OpenBekenHub.Flashing.Chips;
using OpenBekenHub.Flashing.Operations;
using OpenBekenHub.Flashing.Transport;
using OpenBekenHub.Simulators.Bootloader;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Flashing.Tests.Operations;

/// <summary>The same flasher through a socat pty pair (TestKit <see cref="PtyPair"/>), the emulator on the device end.</summary>
public sealed class SocatPtyTests
{
    [Fact]
    public async Task Backup_through_a_socat_pty_pair_equals_the_emulators_flash()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var pair = await PtyPair.CreateAsync();
        using var emulator = new BootloaderEmulator(new EmulatorOptions { Chip = EmulatedChip.Bk7231N, InitialImage = FlashSessionPtyTests.SeededFlash(EmulatedChip.Bk7231N) });
        var device = new FileStream(pair.DevicePath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
        var serving = Task.Run(() => emulator.RunAsync(device, stop.Token), CancellationToken.None);
        try
        {
            await using var link = SerialPortLink.Open(pair.HostPath);
            await using var session = await FlashSession.ConnectAsync(link, new FlashSessionOptions { BaudRate = 1_500_000 }, cancellationToken: cts.Token);
            Assert.Same(Bk7231N.Instance, session.Chip);
            var data = await session.ReadAsync(0, 0x200000, cts.Token);
            Assert.Equal(emulator.Flash.Snapshot(), data);
        }
        finally
        {
            await stop.CancelAsync();
            await pair.DisposeAsync(); // ends the emulator's blocking read on the device end
            await device.DisposeAsync();
            try
            {
                await serving.WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
