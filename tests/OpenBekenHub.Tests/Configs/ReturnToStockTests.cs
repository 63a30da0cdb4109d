using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OpenBekenHub.Tests.Cli;
using OpenBekenHub.Simulators.Bootloader;
using OpenBekenHub.Simulators.Images;
using OpenBekenHub.TestKit;
using OpenBekenHub.Tests.Support;

namespace OpenBekenHub.Tests.Configs;

[Collection(CliCollection.Name)]
public sealed class ReturnToStockTests
{
    private const int Bootloader = 0x11000;

    [Fact]
    public async Task Obkhub_restore_stock_puts_the_stock_flash_back_outside_the_bootloader_verified_over_a_real_pty()
    {
        await using var station = await FlashStation.StartAsync(EmulatedChip.Bk7231T);
        var stock = station.Pty.Emulator.Flash.Snapshot();
        using var dir = new TempDir("stock");
        var firmware = dir.File("OpenBK7231T_UA_1.18.0.bin");
        await File.WriteAllBytesAsync(firmware, SyntheticFirmware.Ua(700_000));
        var (code, _, stderr) = await CliRunner.RunAsync("write", "--port", station.Port, "--firmware", firmware, "--backup-dir", dir.File("backups"), "--json");
        Assert.True(code == 0, $"flashing OpenBeken: exit {code}: {stderr}");
        var stockBackup = Assert.Single(Directory.GetFiles(dir.File("backups"), "bk7231t_*.bin"));
        Assert.Equal(stock, await File.ReadAllBytesAsync(stockBackup));
        Assert.False(station.Pty.Emulator.Flash.Snapshot().AsSpan(Bootloader).SequenceEqual(stock.AsSpan(Bootloader)), "OpenBeken is on the chip now");

        var (code2, stdout, stderr2) = await CliRunner.RunAsync("restore-stock", "--port", station.Port, "--backup", stockBackup, "--backup-dir", dir.File("safety"), "--json");

        Assert.True(code2 == 0, $"restore-stock: exit {code2}: {stderr2}");
        var flash = station.Pty.Emulator.Flash.Snapshot();
        Assert.True(flash.AsSpan(Bootloader).SequenceEqual(stock.AsSpan(Bootloader)), "flash equals the stock backup from 0x11000 to the end");
        var reply = JsonNode.Parse(stdout)!;
        Assert.Equal(Bootloader, reply["start"]!.GetValue<int>());
        Assert.True(reply["regionsWritten"]!.GetValue<int>() > 0);
        Assert.Single(Directory.GetFiles(dir.File("safety"), "*.bin")); // what OpenBeken looked like, read before the first erase
        // the reboot command is the CLI's last write; the emulator acts on it on its own loop, maybe after the CLI exited
        await Eventually.TrueAsync(() => station.Pty.Emulator.RunningApp, TimeSpan.FromSeconds(10), "the chip was rebooted");
    }

    [Fact]
    public async Task Another_plugs_backup_is_refused_before_anything_is_erased()
    {
        await using var station = await FlashStation.StartAsync(EmulatedChip.Bk7231T);
        using var dir = new TempDir("stock-other");
        var foreign = dir.File("bk7231t_other.bin");
        await File.WriteAllBytesAsync(foreign, StockFlash.Build(EmulatedChip.Bk7231T, "c8:47:8c:99:88:77"));
        var erasesBefore = station.Pty.Emulator.Flash.Erases;

        var (code, _, stderr) = await CliRunner.RunAsync("restore-stock", "--port", station.Port, "--backup", foreign, "--backup-dir", dir.File("safety"));

        Assert.Equal(2, code);
        Assert.Contains("belongs to the plug with MAC", stderr, StringComparison.Ordinal);
        Assert.Equal(erasesBefore, station.Pty.Emulator.Flash.Erases);
    }

    [Fact]
    public async Task The_backups_page_runs_return_to_stock_in_the_background_and_reports_the_flashers_progress()
    {
        await using var station = await FlashStation.StartAsync(EmulatedChip.Bk7231N);
        var stock = station.Pty.Emulator.Flash.Snapshot();
        await using var h = await ConfigHarness.StartAsync();
        var backups = Path.Combine(h.Hub.DataDirectory, "backups");
        var firmware = Path.Combine(h.Hub.DataDirectory, "OpenBK7231N_QIO_1.18.0.bin");
        await File.WriteAllBytesAsync(firmware, SyntheticFirmware.Bk7231NQio());
        var (code, _, stderr) = await CliRunner.RunAsync("write", "--port", station.Port, "--firmware", firmware, "--backup-dir", backups, "--json");
        Assert.True(code == 0, $"flashing OpenBeken: exit {code}: {stderr}");
        var file = Path.GetFileName(Assert.Single(Directory.GetFiles(backups, "bk7231n_*.bin")));

        var start = await h.Api.PostAsJsonAsync("/api/stock-restore", new { backup = file, port = station.Port });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, start.StatusCode);
        var id = JsonNode.Parse(await start.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        JsonNode? run = null;
        var phases = new HashSet<string>();
        await Eventually.TrueAsync(async () =>
        {
            run = JsonNode.Parse(await h.Api.GetStringAsync($"/api/stock-restore/{id}"))!;
            if (run["phase"]?.GetValue<string>() is { } p)
            {
                phases.Add(p);
            }
            return run["state"]!.GetValue<string>() != "running";
        }, TimeSpan.FromMinutes(3), "the return to stock finished");

        Assert.True(run!["state"]!.GetValue<string>() == "ok", run.ToJsonString());
        Assert.Equal(1.0, run["fraction"]!.GetValue<double>());
        Assert.Contains("Writing", phases);
        Assert.True(station.Pty.Emulator.Flash.Snapshot().AsSpan(Bootloader).SequenceEqual(stock.AsSpan(Bootloader)), "flash equals the stock backup outside the bootloader");
    }
}
