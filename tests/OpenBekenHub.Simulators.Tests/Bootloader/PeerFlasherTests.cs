using OpenBekenHub.Simulators.Bootloader;
using OpenBekenHub.TestKit;

namespace OpenBekenHub.Simulators.Tests.Bootloader;

/// <summary>Runs only when a checkout of a third-party flasher and Debian's python3 with pyserial are present.</summary>
public sealed class PeerFlasherFactAttribute : FactAttribute
{
    public PeerFlasherFactAttribute(string checkoutVariable, string marker)
    {
        if (PeerFlasher.Unavailable(checkoutVariable, marker) is { } reason)
        {
            Skip = reason;
        }
    }
}

internal static class PeerFlasher
{
    public const string Python = "/usr/bin/python3";

    public static string? Unavailable(string checkoutVariable, string marker)
    {
        if (!File.Exists(Python))
        {
            return $"{Python} is missing (Debian python3 with python3-serial runs the peer flashers)";
        }
        var checkout = Environment.GetEnvironmentVariable(checkoutVariable);
        if (string.IsNullOrEmpty(checkout) || !File.Exists(Path.Combine(checkout, marker)))
        {
            return $"set {checkoutVariable} to a checkout containing {marker} to run this peer check";
        }
        using var probe = System.Diagnostics.Process.Start(Python, ["-c", "import serial"]);
        probe.WaitForExit(10_000);
        return probe.ExitCode == 0 ? null : "python3-serial is not installed for /usr/bin/python3";
    }

    /// <summary>Run the peer with its DTR/RTS reset pulse disabled (a pty has no modem lines); nothing else is changed.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string wrapperBody, TimeSpan timeout, params string[] args)
    {
        using var dir = new TempDir("peer");
        var script = dir.File("peer.py");
        await File.WriteAllTextAsync(script, wrapperBody);
        await using var process = ExternalProcess.Start(Python, [script, .. args]);
        var exit = await process.WaitForExitAsync(timeout);
        await Eventually.TrueAsync(() => process.HasExited, TimeSpan.FromSeconds(5));
        return (exit, process.Output);
    }

    public static string Bk7231Tools(string checkout) => $$"""
        import sys
        sys.path.insert(0, {{Quote(checkout)}})
        from bk7231tools.serial.protocol import BK7231SerialProtocol
        BK7231SerialProtocol.hw_reset = lambda self: None
        from bk7231tools.__main__ import cli
        sys.argv[0] = "bk7231tools"
        cli()
        """;

    public static string HidDownloadPy(string checkout) => $$"""
        import sys, runpy
        sys.path.insert(0, {{Quote(checkout)}})
        from bkutils.uart_downloader import UartDownloader
        UartDownloader.do_reset_signal = lambda self: None
        sys.argv[0] = "uartprogram"
        runpy.run_path({{Quote(Path.Combine(checkout, "uartprogram"))}}, run_name="__main__")
        """;

    private static string Quote(string s) => "'" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";
}

/// <summary>
/// bk7231tools (tuya-cloudcutter) and hid_download_py (OpenBekenIOT), unmodified, against the emulator over a pty.
/// Set OBK_BK7231TOOLS / OBK_HID_DOWNLOAD_PY to their checkouts to run these.
/// </summary>
[Collection(SerialLineCollection.Name)]
public sealed class PeerFlasherTests
{
    private const string BktVar = "OBK_BK7231TOOLS";
    private const string BktMarker = "bk7231tools/__main__.py";
    private const string HdpVar = "OBK_HID_DOWNLOAD_PY";
    private const string HdpMarker = "uartprogram";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private static byte[] RandomImage(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    [PeerFlasherFact(BktVar, BktMarker)]
    public async Task Bk7231tools_identifies_T_writes_at_0x11000_and_reads_the_whole_flash_back()
    {
        var tools = PeerFlasher.Bk7231Tools(Environment.GetEnvironmentVariable(BktVar)!);
        await using var pty = await PtyBootloader.StartAsync(new EmulatorOptions { Chip = EmulatedChip.Bk7231T });
        using var dir = new TempDir("bkt");
        var image = RandomImage(0x20000, 1);
        await File.WriteAllBytesAsync(dir.File("ua.bin"), image);

        var (exit, output) = await PeerFlasher.RunAsync(tools, Timeout, "write_flash", "-d", pty.HostPath, "-b", "921600", "-s", "0x11000", dir.File("ua.bin"));
        Assert.True(exit == 0, output);
        Assert.Contains("protocol: BASIC_TUYA, chip: BK7231T, bootloader: BK7231S_1_0_5", output, StringComparison.Ordinal);
        Assert.Equal(image, pty.Emulator.Flash.Read(0x11000, image.Length));
        Assert.Equal(SyntheticBootloader.Build(EmulatedChip.Bk7231T), pty.Emulator.Flash.Read(0, 0x11000));

        (exit, output) = await PeerFlasher.RunAsync(tools, Timeout, "read_flash", "-d", pty.HostPath, "-b", "1500000", dir.File("dump.bin"));
        Assert.True(exit == 0, output);
        Assert.Equal(pty.Emulator.Flash.Snapshot(), await File.ReadAllBytesAsync(dir.File("dump.bin")));
    }

    [PeerFlasherFact(BktVar, BktMarker)]
    public async Task Bk7231tools_identifies_N_unprotects_and_writes_at_0x0()
    {
        var tools = PeerFlasher.Bk7231Tools(Environment.GetEnvironmentVariable(BktVar)!);
        await using var pty = await PtyBootloader.StartAsync(new EmulatorOptions { Chip = EmulatedChip.Bk7231N });
        using var dir = new TempDir("bkt");
        var image = RandomImage(0x30000, 2);
        await File.WriteAllBytesAsync(dir.File("qio.bin"), image);

        var (exit, output) = await PeerFlasher.RunAsync(tools, Timeout, "write_flash", "-d", pty.HostPath, "-b", "921600", "-s", "0x0", "-B", dir.File("qio.bin"));
        Assert.True(exit == 0, output);
        Assert.Contains("protocol: FULL, chip: BK7231N, bootloader: BK7231N_1_0_1, chip ID: 0x7231c", output, StringComparison.Ordinal);
        Assert.Contains("Flash ID: eb 60 15", output, StringComparison.Ordinal);
        Assert.Equal(0, pty.Emulator.Flash.StatusRegister & 0x407C);
        Assert.Equal(image, pty.Emulator.Flash.Read(0, image.Length));

        (exit, output) = await PeerFlasher.RunAsync(tools, Timeout, "read_flash", "-d", pty.HostPath, "-b", "921600", "-s", "0x0", "-l", "0x40000", dir.File("dump.bin"));
        Assert.True(exit == 0, output);
        Assert.Equal(pty.Emulator.Flash.Read(0, 0x40000), await File.ReadAllBytesAsync(dir.File("dump.bin")));
    }

    [PeerFlasherFact(HdpVar, HdpMarker)]
    public async Task Hid_download_py_reads_T_with_a_matching_CRC_and_writes_N_with_unprotect()
    {
        var hdp = PeerFlasher.HidDownloadPy(Environment.GetEnvironmentVariable(HdpVar)!);
        using var dir = new TempDir("hdp");
        await using (var t = await PtyBootloader.StartAsync(new EmulatorOptions { Chip = EmulatedChip.Bk7231T }))
        {
            var (exit, output) = await PeerFlasher.RunAsync(hdp, Timeout, "-d", t.HostPath, "-b", "921600", "-r", "-s", "0x11000", "-l", "0x10000", dir.File("t.bin"));
            Assert.True(exit == 0, output);
            Assert.True(output.Contains("Wrote 10000 bytes", StringComparison.Ordinal) && !output.Contains("CRC check failed", StringComparison.Ordinal), output);
            Assert.Equal(t.Emulator.Flash.Read(0x11000, 0x10000), await File.ReadAllBytesAsync(dir.File("t.bin")));
        }
        await using var n = await PtyBootloader.StartAsync(new EmulatorOptions { Chip = EmulatedChip.Bk7231N });
        var image = RandomImage(0x20000, 3);
        await File.WriteAllBytesAsync(dir.File("qio.bin"), image);
        var (code, log) = await PeerFlasher.RunAsync(hdp, Timeout, "-d", n.HostPath, "-b", "921600", "-u", "-w", "-s", "0x0", dir.File("qio.bin"));
        Assert.True(code == 0, log);
        Assert.True(log.Contains("Write Successful", StringComparison.Ordinal), log);
        Assert.Equal(image, n.Emulator.Flash.Read(0, image.Length));
        Assert.Equal(0x001C, n.Emulator.Flash.StatusRegister); // hid_download_py protects again when done
    }
}
