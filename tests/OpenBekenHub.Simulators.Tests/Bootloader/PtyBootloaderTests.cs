using System.IO.Ports;
using OpenBekenHub.Simulators.Bootloader;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Simulators.Tests.Bootloader;

/// <summary>Tests with real ports and external processes, whose timing must not compete with the rest of the suite.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialLineCollection
{
    public const string Name = "Serial line (not parallel)";
}

/// <summary>The emulator behind a real pseudo-terminal, driven through System.IO.Ports as a flasher would.</summary>
[Collection(SerialLineCollection.Name)]
public sealed class PtyBootloaderTests
{
    private static readonly byte[] LinkCheck = [0x01, 0xE0, 0xFC, 0x01, 0x00];
    private const string LinkReply = "040E0501E0FC0100";

    private static SerialPort OpenPort(string path, int baud = 115200)
    {
        var port = new SerialPort(path, baud) { ReadTimeout = 2000, WriteTimeout = 2000 };
        port.Open();
        return port;
    }

    private static byte[] Exchange(SerialPort port, byte[] request, int replyLength)
    {
        port.Write(request, 0, request.Length);
        var reply = new byte[replyLength];
        var got = 0;
        try
        {
            while (got < replyLength)
            {
                got += port.Read(reply, got, replyLength - got);
            }
        }
        catch (TimeoutException)
        {
        }
        return reply[..got];
    }

    [Fact]
    public async Task Host_links_closes_reopens_and_links_again()
    {
        await using var pty = await PtyBootloader.StartAsync(new EmulatorOptions { Chip = EmulatedChip.Bk7231N });
        using (var port = OpenPort(pty.HostPath))
        {
            Assert.Equal(LinkReply, Hex.Of(Exchange(port, LinkCheck, 8)));
        }
        await Eventually.TrueAsync(() => pty.Emulator.RepliesSent == 1, because: "first link answered");
        using (var port = OpenPort(pty.HostPath))
        {
            Assert.Equal(LinkReply, Hex.Of(Exchange(port, LinkCheck, 8)));
        }
        Assert.Equal(1, pty.LineGeneration);
    }

    [Fact]
    public async Task The_pty_reports_the_rate_the_host_set()
    {
        await using var pty = await PtyBootloader.StartAsync(new EmulatorOptions { Chip = EmulatedChip.Bk7231T });
        using var port = OpenPort(pty.HostPath);
        Assert.Equal(115200, pty.Emulator.HostBaudProbe!());
        port.BaudRate = 921600;
        Assert.Equal(921600, pty.Emulator.HostBaudProbe!());
        port.BaudRate = 1500000;
        Assert.Equal(1500000, pty.Emulator.HostBaudProbe!());
    }

    [Fact]
    public async Task Baud_change_over_the_pty_then_traffic_at_the_new_rate()
    {
        await using var pty = await PtyBootloader.StartAsync(new EmulatorOptions { Chip = EmulatedChip.Bk7231N });
        using var port = OpenPort(pty.HostPath);
        Assert.Equal(LinkReply, Hex.Of(Exchange(port, LinkCheck, 8)));
        port.Write(Hex.Parse("01 E0 FC 06 0F 00 10 0E 00 14"), 0, 10);
        await Eventually.TrueAsync(() => pty.Emulator.CurrentBaud == 921600, because: "chip switched its UART");
        port.BaudRate = 921600;
        var echo = new byte[12];
        var got = 0;
        while (got < 12)
        {
            got += port.Read(echo, got, 12 - got);
        }
        Assert.Equal("040E0901E0FC0F00100E0014", Hex.Of(echo));
        Assert.Equal("040E0C01E0FC03000080001C230700", Hex.Of(Exchange(port, Hex.Parse("01 E0 FC 05 03 00 00 80 00"), 15)));
    }

    [Fact]
    public async Task Ignored_baud_change_over_the_pty_recovers_when_the_host_returns_to_115200()
    {
        await using var pty = await PtyBootloader.StartAsync(new EmulatorOptions
        {
            Chip = EmulatedChip.Bk7231N,
            Faults = new FaultPlan { IgnoreBaudChange = true },
        });
        using var port = OpenPort(pty.HostPath);
        Exchange(port, LinkCheck, 8);
        port.Write(Hex.Parse("01 E0 FC 06 0F 00 10 0E 00 14"), 0, 10);
        await Eventually.TrueAsync(() => pty.Emulator.RepliesSent == 2, because: "baud change acked");
        port.BaudRate = 921600;
        port.DiscardInBuffer();
        port.ReadTimeout = 300;
        Assert.Empty(Exchange(port, LinkCheck, 8));
        port.BaudRate = 115200;
        port.ReadTimeout = 2000;
        Assert.Equal(LinkReply, Hex.Of(Exchange(port, LinkCheck, 8)));
    }

    [Fact]
    public async Task Disconnect_fault_drops_the_port_and_a_reopened_port_finds_the_same_chip()
    {
        await using var pty = await PtyBootloader.StartAsync(new EmulatorOptions
        {
            Chip = EmulatedChip.Bk7231N,
            Faults = new FaultPlan { DisconnectAfterBytes = 7 },
        });
        using (var port = OpenPort(pty.HostPath))
        {
            Assert.Equal(LinkReply, Hex.Of(Exchange(port, LinkCheck, 8)));
            port.Write(LinkCheck, 0, LinkCheck.Length);
            await Eventually.TrueAsync(() => pty.LineGeneration == 2, because: "line re-created after the disconnect");
        }
        using (var port = OpenPort(pty.HostPath))
        {
            Assert.Equal(LinkReply, Hex.Of(Exchange(port, LinkCheck, 8)));
        }
    }

    [Fact]
    public async Task Emulator_serves_the_device_end_of_a_socat_pair()
    {
        if (ExternalProcess.Which("socat") is null)
        {
            return; // socat is installed by the test script; PtyBootloader covers the pty path without it
        }
        await using var pair = await PtyPair.CreateAsync();
        using var emulator = new BootloaderEmulator(new EmulatorOptions { Chip = EmulatedChip.Bk7231T });
        using var cts = new CancellationTokenSource();
        await using var device = new FileStream(pair.DevicePath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1, FileOptions.Asynchronous);
        var run = emulator.RunAsync(device, cts.Token);
        using (var port = OpenPort(pair.HostPath))
        {
            Assert.Equal(LinkReply, Hex.Of(Exchange(port, LinkCheck, 8)));
        }
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(5)));
    }
}
