using OpenBekenHub.Cli;
using OpenBekenHub.Simulators.Bootloader;
using OpenBekenHub.Simulators.Images;
using OpenBekenHub.TestKit;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Cli;

[Collection(CliCollection.Name)]
public sealed class FlashCommandTests
{
    [Fact]
    public async Task Obkhub_flash_backs_up_writes_provisions_and_waits_until_the_plug_is_on_a_real_mosquitto()
    {
        await using var mosquitto = await MosquittoBroker.StartAsync();
        await using var station = await FlashStation.StartAsync(EmulatedChip.Bk7231T);
        using var dir = new TempDir("cli-flash");
        var firmware = dir.File("OpenBK7231T_UA_1.18.0.bin");
        await File.WriteAllBytesAsync(firmware, SyntheticFirmware.Ua(700_000));
        station.BootPlugOnReboot();

        var (code, stdout, stderr) = await CliRunner.RunAsync(
            "flash", "--port", station.Port, "--firmware", firmware, "--ssid", "HomeWifi", "--wifi-password", "wifi-pass-123",
            "--mqtt-host", mosquitto.Host, "--mqtt-port", mosquitto.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--name", "Garage", "--pins", "26=Rel:1,10=Btn:1,8=WifiLED_n", "--backup-dir", dir.File("backups"), "--wait-timeout", "60", "--json");

        Assert.True(code == 0, $"exit {code}: {stderr}");
        Assert.Contains("\"appeared\": true", stdout, StringComparison.Ordinal);
        Assert.Contains("obk_123456", stdout, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("wifi-pass-123", stdout + stderr, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(dir.File("backups"), "bk7231t_*.bin"));
        Assert.Equal("obk_123456", station.BootedPlug!.ClientTopic, ignoreCase: true);
        Assert.Equal([1], station.BootedPlug.Settings.RelayChannels); // the pins given on the command line, read by the plug from its flash
    }

    [Fact]
    public async Task Batch_mode_flashes_plug_after_plug_on_one_jig_and_summarises_each()
    {
        await using var station = await FlashStation.StartAsync(EmulatedChip.Bk7231N);
        using var dir = new TempDir("cli-batch");
        var firmware = dir.File("OpenBK7231N_QIO_1.18.0.bin");
        await File.WriteAllBytesAsync(firmware, SyntheticFirmware.Bk7231NQio());

        // the second "plug" is the first one again: OpenBeken on UART1 answers the catch loop's "reboot" text
        var (code, stdout, stderr) = await CliRunner.RunAsync(
            "flash", "--port", station.Port, "--firmware", firmware, "--ssid", "HomeWifi", "--wifi-password", "wifi-pass-123",
            "--mqtt-host", "192.0.2.10", "--name", "Shelf {n}", "--pins", "26=Rel:1", "--backup-dir", dir.File("backups"), "--no-wait", "--batch", "2", "--json");

        Assert.True(code == 0, $"exit {code}: {stderr}");
        Assert.Contains("\"name\": \"Shelf_1\"", stdout, StringComparison.Ordinal);
        Assert.Contains("\"name\": \"Shelf_2\"", stdout, StringComparison.Ordinal);
        Assert.Equal(2, Directory.GetFiles(dir.File("backups"), "*.bin").Length);
    }

    [Fact]
    public async Task Obkhub_flash_refuses_a_firmware_that_fits_no_chip_before_opening_the_port()
    {
        using var dir = new TempDir("cli-flash");
        var firmware = dir.File("random.bin");
        var noise = new byte[300_000];
        new Random(5).NextBytes(noise);
        await File.WriteAllBytesAsync(firmware, noise);

        var (code, _, stderr) = await CliRunner.RunAsync(
            "flash", "--port", "/dev/does-not-exist", "--firmware", firmware, "--ssid", "HomeWifi", "--wifi-password", "wifi-pass-123", "--mqtt-host", "127.0.0.1");

        Assert.Equal(2, code);
        Assert.Contains("Not a BK7231 image", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CliCollection
{
    public const string Name = "cli (redirects the console)";
}

/// <summary>Runs obkhub's verbs in-process, capturing stdout and stderr.</summary>
internal static class CliRunner
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        await Gate.WaitAsync();
        var (outWas, errWas) = (Console.Out, Console.Error);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            var code = await CliApp.RunAsync(args);
            return (code, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(outWas);
            Console.SetError(errWas);
            Gate.Release();
        }
    }
}
