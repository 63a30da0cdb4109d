using System.CommandLine;
using System.Text.Json;
using OpenBekenHub.Configs;
using OpenBekenHub.Flashing.Operations;
using Spectre.Console;

namespace OpenBekenHub.Cli;

/// <summary><c>obkhub restore-stock --port P --backup FILE [--include-bootloader]</c>: the stock firmware back, verified.</summary>
public static class RestoreStockCommand
{
    public static Command Create()
    {
        var command = new Command("restore-stock", "Write a full-flash stock backup back over serial (bootloader kept unless asked), verify by CRC, reboot");
        var c = FlashingCommands.Common.AddTo(command);
        var backup = new Option<string>("--backup") { Description = "The full-flash backup taken before OpenBeken was flashed (its .json sidecar is checked when present)", Required = true };
        var includeBootloader = new Option<bool>("--include-bootloader") { Description = "Also write 0x0-0x11000 (bricks the chip if the backup's bootloader is bad)" };
        var backupDir = new Option<string>("--backup-dir") { Description = "Where the safety backup of the current flash goes", DefaultValueFactory = _ => FlashingCommands.DefaultBackupDirectory };
        command.Options.Add(backup);
        command.Options.Add(includeBootloader);
        command.Options.Add(backupDir);
        command.SetAction((parse, ct) => FlashCliSupport.RunAsync(parse.GetValue(c.Json), async progress =>
        {
            var file = parse.GetValue(backup)!;
            var stock = await File.ReadAllBytesAsync(file, ct);
            var sidecar = Path.ChangeExtension(file, ".json");
            var manifest = File.Exists(sidecar)
                ? JsonSerializer.Deserialize<BackupManifest>(await File.ReadAllTextAsync(sidecar, ct), new JsonSerializerOptions(JsonSerializerDefaults.Web))
                : null;
            await using var session = await c.ConnectAsync(parse, progress, ct);
            var result = await StockRestore.RunAsync(session, stock, manifest, parse.GetValue(includeBootloader), parse.GetValue(backupDir)!, progress, ct);
            if (parse.GetValue(c.Json))
            {
                FlashCliSupport.WriteJson(new { status = "ok", result.Chip, start = result.Start, length = result.Length, regionsWritten = result.RegionsWritten, regionsMatched = result.RegionsMatched, safetyBackup = result.SafetyBackup, seconds = result.Seconds });
            }
            else
            {
                AnsiConsole.MarkupLine($"[green]Back to stock[/]: {result.Chip} 0x{result.Start:X}-0x{result.Start + result.Length:X} equals {Markup.Escape(Path.GetFileName(file))} " +
                    $"({result.RegionsWritten} region(s) written, {result.RegionsMatched} already matched, {result.Seconds:0.0} s). Safety backup: {Markup.Escape(result.SafetyBackup ?? "-")}");
            }
            return 0;
        }, ct));
        return command;
    }
}
