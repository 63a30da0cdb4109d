using System.CommandLine;
using OpenBekenHub.Flashing.Chips;
using OpenBekenHub.Flashing.Errors;
using OpenBekenHub.Flashing.Images;
using OpenBekenHub.Flashing.Operations;
using OpenBekenHub.Flashing.Progress;
using OpenBekenHub.Flashing.Transport;
using Spectre.Console;

namespace OpenBekenHub.Cli;

/// <summary>
/// The serial flashing verbs: ports, info, read, write, verify, and "bench flash". Each verb is a thin wrapper over
/// <see cref="FlashSession"/>; failures print one line on stderr and exit with <see cref="FlashException.ExitCode"/>.
/// </summary>
public static class FlashingCommands
{
    public const string DefaultBackupDirectory = "./data/backups";

    private static Option<string> PortOption() => new("--port", "-p") { Description = "Serial port, e.g. /dev/ttyUSB0", Required = true };

    private static Option<int> BaudOption() => new("--baud", "-b") { Description = "Line rate after linking at 115200 (falls back step by step)", DefaultValueFactory = _ => 921_600 };

    private static Option<string> ChipOption() => new("--chip") { Description = "auto | bk7231t | bk7231n (checked against the chip)", DefaultValueFactory = _ => "auto" };

    private static Option<bool> JsonOption() => new("--json") { Description = "Machine-readable output on stdout" };

    private static Option<bool> DtrRtsOption() => new("--dtr-reset") { Description = "Pulse DTR/RTS to reset boards wired for auto-reset (best-effort)" };

    private static Option<int> CatchTimeoutOption() => new("--catch-timeout") { Description = "Seconds to wait for the bootloader while you reset the chip", DefaultValueFactory = _ => 20 };

    public static IEnumerable<Command> Create()
    {
        yield return CreatePorts();
        yield return CreateInfo();
        yield return CreateRead();
        yield return CreateWrite();
        yield return CreateVerify();
        var bench = new Command("bench", "Benchmarks against the built-in emulators");
        bench.Subcommands.Add(BenchFlashCommand.CreateBenchFlash());
        yield return bench;
    }

    private static Command CreatePorts()
    {
        var json = JsonOption();
        var command = new Command("ports", "List serial ports with USB adapter details (VID:PID, manufacturer, product, serial)");
        command.Options.Add(json);
        command.SetAction((parse, ct) =>
        {
            var ports = SerialPortCatalog.List();
            if (parse.GetValue(json))
            {
                FlashCliSupport.WriteJson(ports);
                return Task.FromResult(0);
            }
            if (ports.Count == 0)
            {
                Console.Out.WriteLine("No serial ports found. Plug in the USB-serial adapter (CH340, CP210x, PL2303, FTDI).");
                return Task.FromResult(0);
            }
            var table = new Table().AddColumns("Port", "Adapter", "VID:PID", "Manufacturer", "Product", "Serial", "Driver");
            foreach (var p in ports)
            {
                table.AddRow(Esc(p.Path), Esc(p.AdapterName), Esc(p.UsbId), Esc(p.Manufacturer), Esc(p.Product), Esc(p.SerialNumber), Esc(p.Driver));
            }
            AnsiConsole.Write(table);
            return Task.FromResult(0);
        });
        return command;
    }

    internal sealed record Common(Option<string> Port, Option<int> Baud, Option<string> Chip, Option<bool> Json, Option<bool> DtrReset, Option<int> CatchTimeout)
    {
        public static Common AddTo(Command command)
        {
            var c = new Common(PortOption(), BaudOption(), ChipOption(), JsonOption(), DtrRtsOption(), CatchTimeoutOption());
            foreach (var o in new Option[] { c.Port, c.Baud, c.Chip, c.Json, c.DtrReset, c.CatchTimeout })
            {
                command.Options.Add(o);
            }
            return c;
        }

        public BkChip? ExpectedChip(ParseResult parse)
        {
            var name = parse.GetValue(Chip);
            var chip = ChipRegistry.Find(name);
            if (chip is null && !string.Equals(name, "auto", StringComparison.OrdinalIgnoreCase))
            {
                throw new ImageRejectedException($"Unknown chip '{name}'.", "Use --chip auto, bk7231t or bk7231n.");
            }
            return chip;
        }

        public FlashSessionOptions SessionOptions(ParseResult parse, IResetStrategy? reset = null) => new()
        {
            BaudRate = parse.GetValue(Baud),
            ExpectedChip = ExpectedChip(parse),
            ResetStrategy = reset ?? (parse.GetValue(DtrReset) ? new DtrRtsReset() : ManualCenReset.Instance),
            Loader = new BkLoaderOptions { CatchTimeout = TimeSpan.FromSeconds(parse.GetValue(CatchTimeout)) },
        };

        public Task<FlashSession> ConnectAsync(ParseResult parse, IProgress<FlashProgress>? progress, CancellationToken ct, IResetStrategy? reset = null)
        {
            var options = SessionOptions(parse, reset);
            if (progress is null && !parse.GetValue(Json))
            {
                Console.Error.WriteLine($"Waiting for the bootloader on {parse.GetValue(Port)}: reset the chip now (CEN to GND briefly, or re-power).");
            }
            return FlashSession.OpenSerialAsync(parse.GetValue(Port)!, options, progress, cancellationToken: ct);
        }
    }

    private static Command CreateInfo()
    {
        var command = new Command("info", "Catch the bootloader and show chip, flash id, size, protection and MAC");
        var c = Common.AddTo(command);
        command.SetAction((parse, ct) => FlashCliSupport.RunAsync(parse.GetValue(c.Json), async progress =>
        {
            await using var session = await c.ConnectAsync(parse, progress, ct);
            var i = session.Info;
            var view = new
            {
                chip = i.Chip.Name,
                detectedBy = i.DetectedBy,
                bootloader = i.BootloaderVersion,
                chipId = i.ChipIdRegister is { } id ? $"0x{id:X}" : null,
                bootloaderFingerprint = i.BootloaderFingerprint is { } fp ? $"0x{fp:X8}" : null,
                crcEnd = i.CrcEndInclusive ? "inclusive" : "exclusive",
                flashId = i.FlashIdHex,
                flashName = i.Flash?.Name,
                flashSize = i.FlashSize,
                statusRegister = i.StatusRegister is { } sr ? $"0x{sr:X4}" : null,
                protectedFlash = i.Protected,
                mac = i.MacAddress,
                baud = i.BaudRate,
            };
            if (parse.GetValue(c.Json))
            {
                FlashCliSupport.WriteJson(view);
            }
            else
            {
                var grid = new Grid().AddColumns(2);
                foreach (var p in view.GetType().GetProperties())
                {
                    grid.AddRow(p.Name, Esc(p.GetValue(view)?.ToString() ?? "-"));
                }
                AnsiConsole.Write(grid);
            }
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateRead()
    {
        var command = new Command("read", "Read flash into a file (full flash by default), verified by the bootloader's CRC");
        var c = Common.AddTo(command);
        var output = new Option<string>("--out", "-o") { Description = "Output file", Required = true };
        var start = new Option<string?>("--start") { Description = "Start address (e.g. 0x11000); default 0" };
        var length = new Option<string?>("--length") { Description = "Length (e.g. 0x1000, 1M); default the whole flash" };
        command.Options.Add(output);
        command.Options.Add(start);
        command.Options.Add(length);
        command.SetAction((parse, ct) => FlashCliSupport.RunAsync(parse.GetValue(c.Json), async progress =>
        {
            await using var session = await c.ConnectAsync(parse, progress, ct);
            var from = parse.GetValue(start) is { } s ? FlashCliSupport.ParseSize(s) : 0;
            var count = parse.GetValue(length) is { } l ? FlashCliSupport.ParseSize(l) : session.Loader.FlashSize - from;
            var data = await session.ReadAsync(from, count, ct);
            var path = parse.GetValue(output)!;
            var full = from == 0 && count == session.Loader.FlashSize;
            var saved = await new BackupService(session.Loader).SaveAsAsync(path, session.Chip.Id, session.Info.FlashIdHex, data, ct);
            if (parse.GetValue(c.Json))
            {
                FlashCliSupport.WriteJson(new { status = "ok", file = saved.Path, sidecar = saved.ManifestPath, start = from, length = count, fullFlash = full, saved.Manifest.Sha256 });
            }
            else
            {
                AnsiConsole.MarkupLine($"Read [green]{count:N0}[/] bytes from 0x{from:X} to {Esc(saved.Path)} (sha256 {saved.Manifest.Sha256[..16]}…, sidecar {Esc(Path.GetFileName(saved.ManifestPath))}).");
            }
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateWrite()
    {
        var command = new Command("write", "Validate, back up, flash, verify and reboot");
        var c = Common.AddTo(command);
        var firmware = new Option<string>("--firmware", "-f") { Description = "OpenBeken image: OpenBK7231T_UA_*.bin or OpenBK7231N_QIO_*.bin", Required = true };
        var noBackup = new Option<bool>("--no-backup") { Description = "Do not take a full backup before the first erase (not recommended)" };
        var noDiff = new Option<bool>("--no-diff") { Description = "Write every region, even those that already match" };
        var backupDir = new Option<string>("--backup-dir") { Description = "Where backups go", DefaultValueFactory = _ => DefaultBackupDirectory };
        var allowBootloader = new Option<bool>("--allow-bootloader") { Description = "Allow writing below 0x11000 on BK7231T/U (can brick the chip)" };
        var noReboot = new Option<bool>("--no-reboot") { Description = "Stay in the bootloader after writing" };
        foreach (var o in new Option[] { firmware, noBackup, noDiff, backupDir, allowBootloader, noReboot })
        {
            command.Options.Add(o);
        }
        command.SetAction((parse, ct) => FlashCliSupport.RunAsync(parse.GetValue(c.Json), async progress =>
        {
            var file = parse.GetValue(firmware)!;
            var data = await File.ReadAllBytesAsync(file, ct);
            // Refuse a file that fits no chip (or not the requested one) before the port is opened.
            ImageDetector.Detect(data, c.ExpectedChip(parse), parse.GetValue(allowBootloader), file).ThrowIfRejected();
            await using var session = await c.ConnectAsync(parse, progress, ct);
            var result = await session.WriteImageAsync(data, new WriteImageOptions
            {
                BackupDirectory = parse.GetValue(backupDir),
                SkipBackup = parse.GetValue(noBackup),
                Differential = !parse.GetValue(noDiff),
                AllowBootloader = parse.GetValue(allowBootloader),
                FileName = file,
                Reboot = !parse.GetValue(noReboot),
            }, ct);
            if (parse.GetValue(c.Json))
            {
                FlashCliSupport.WriteJson(new
                {
                    status = "ok",
                    chip = session.Chip.Name,
                    image = result.Image?.Reason,
                    offset = result.Offset,
                    length = result.Length,
                    written = result.Written.Select(r => r.ToString()),
                    skipped = result.Skipped.Count,
                    backup = result.Backup?.Path,
                    seconds = result.Elapsed.TotalSeconds,
                });
            }
            else
            {
                AnsiConsole.MarkupLine(Esc(result.Image?.Reason ?? ""));
                if (result.Backup is { } b)
                {
                    AnsiConsole.MarkupLine($"Backup: {Esc(b.Path)}");
                }
                AnsiConsole.MarkupLine(result.NothingToDo
                    ? "[green]The chip already holds this image[/]; nothing written."
                    : $"[green]Written and verified[/] {result.Written.Count} region(s), {result.Skipped.Count} already matched, in {result.Elapsed.TotalSeconds:0.0} s.");
            }
            return 0;
        }, ct));
        return command;
    }

    private static Command CreateVerify()
    {
        var command = new Command("verify", "Compare the flash with an image using the bootloader's CRC");
        var c = Common.AddTo(command);
        var firmware = new Option<string>("--firmware", "-f") { Description = "Image file", Required = true };
        command.Options.Add(firmware);
        command.SetAction((parse, ct) => FlashCliSupport.RunAsync(parse.GetValue(c.Json), async progress =>
        {
            var file = parse.GetValue(firmware)!;
            var data = await File.ReadAllBytesAsync(file, ct);
            ImageDetector.Detect(data, c.ExpectedChip(parse), false, file).ThrowIfRejected();
            await using var session = await c.ConnectAsync(parse, progress, ct);
            var result = await session.VerifyAsync(data, file, cancellationToken: ct);
            if (parse.GetValue(c.Json))
            {
                FlashCliSupport.WriteJson(new { status = result.Matches ? "ok" : "mismatch", offset = result.Offset, length = result.Length, different = result.Different.Select(r => r.ToString()) });
            }
            else if (result.Matches)
            {
                AnsiConsole.MarkupLine($"[green]Flash matches[/] {Esc(Path.GetFileName(file))} ({result.Length:N0} bytes at 0x{result.Offset:X}).");
            }
            if (!result.Matches)
            {
                throw new CrcMismatchException($"Flash differs from {Path.GetFileName(file)} in {result.Different.Count} region(s): {string.Join(", ", result.Different.Take(5))}.",
                    "Write the image again (obkhub write).");
            }
            return 0;
        }, ct));
        return command;
    }

    private static string Esc(string? text) => Markup.Escape(text ?? "");
}
