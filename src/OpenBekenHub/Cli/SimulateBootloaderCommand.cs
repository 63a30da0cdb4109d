using System.CommandLine;
using OpenBekenHub.Simulators.Bootloader;

namespace OpenBekenHub.Cli;

/// <summary>
/// "obkhub simulate bootloader --chip bk7231n --pty [--baud-time] [--realistic]": an emulated BK7231T/N in download
/// mode behind a pseudo-terminal (or on an existing serial device), for demos and for running other flashers against
/// it. Prints the port path and serves until Ctrl+C. Returns the "bootloader" verb; the host adds it under "simulate".
/// </summary>
public static class SimulateBootloaderCommand
{
    public static Command Create()
    {
        var chip = new Option<string>("--chip") { Description = "bk7231t or bk7231n", DefaultValueFactory = _ => "bk7231n" };
        var pty = new Option<bool>("--pty") { Description = "Serve on a new pseudo-terminal and print its path (the default unless --device is given)" };
        var device = new Option<string?>("--device") { Description = "Serve on this existing serial device instead (e.g. one end of a socat pair)" };
        var baudTime = new Option<bool>("--baud-time") { Description = "Pace replies and incoming bytes at the configured line rate (10 bits a byte)" };
        var realistic = new Option<bool>("--realistic") { Description = "Flash timings: 4K erase 45 ms, 64K erase 300 ms, 4K write 15 ms, CRC 400 kB/s" };
        var flashFile = new Option<string?>("--flash-file") { Description = "Keep the emulated flash in this file (created when missing)" };
        var image = new Option<string?>("--image") { Description = "Initial flash content (default: synthetic bootloader with the real fingerprint, rest erased)" };
        var linkDelay = new Option<int>("--link-delay-ms") { Description = "Answer link checks only this long after the first one (a late CEN touch)", DefaultValueFactory = _ => 0 };
        var crcInclusive = new Option<bool?>("--crc-end-inclusive") { Description = "Force CheckCRC end semantics (default: inclusive on N, exclusive on T)" };
        var command = new Command("bootloader", "Emulate a BK7231T/N bootloader on a pty until Ctrl+C");
        foreach (var option in new Option[] { chip, pty, device, baudTime, realistic, flashFile, image, linkDelay, crcInclusive })
        {
            command.Options.Add(option);
        }
        command.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            EmulatedChip emulated;
            switch (r.GetValue(chip)?.ToLowerInvariant())
            {
                case "bk7231t" or "t":
                    emulated = EmulatedChip.Bk7231T;
                    break;
                case "bk7231n" or "n":
                    emulated = EmulatedChip.Bk7231N;
                    break;
                default:
                    await Console.Error.WriteLineAsync("simulate bootloader: --chip must be bk7231t or bk7231n");
                    return ExitCodes.Usage;
            }
            var options = new EmulatorOptions
            {
                Chip = emulated,
                BaudTimeMode = r.GetValue(baudTime),
                RealisticTimings = r.GetValue(realistic),
                BackingFile = r.GetValue(flashFile),
                LinkCheckDelay = TimeSpan.FromMilliseconds(Math.Max(0, r.GetValue(linkDelay))),
                CrcEndInclusive = r.GetValue(crcInclusive),
            };
            if (r.GetValue(image) is { } imagePath)
            {
                if (!File.Exists(imagePath))
                {
                    await Console.Error.WriteLineAsync($"simulate bootloader: image '{imagePath}' not found");
                    return ExitCodes.Usage;
                }
                options.InitialImage = await File.ReadAllBytesAsync(imagePath, ct);
                if (options.InitialImage.Length > options.FlashSize)
                {
                    await Console.Error.WriteLineAsync($"simulate bootloader: image is {options.InitialImage.Length} bytes, larger than the {options.FlashSize}-byte flash");
                    return ExitCodes.Usage;
                }
            }
            var mode = $"{(options.BaudTimeMode ? "baud-time" : "instant line")}, {(options.RealisticTimings ? "realistic flash timings" : "instant flash")}";
            try
            {
                if (r.GetValue(device) is { } devicePath)
                {
                    using var emulator = new BootloaderEmulator(options);
                    await using var stream = new FileStream(devicePath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1, FileOptions.Asynchronous);
                    await Console.Out.WriteLineAsync(devicePath);
                    await Console.Error.WriteLineAsync($"simulate bootloader: {emulated} on {devicePath} ({mode}); Ctrl+C to stop");
                    await emulator.RunAsync(stream, ct);
                    return ExitCodes.Ok;
                }
                await using var host = await PtyBootloader.StartAsync(options, ct: ct);
                await Console.Out.WriteLineAsync(host.HostPath);
                await Console.Error.WriteLineAsync($"simulate bootloader: {emulated} on {host.HostPath} -> {host.DevicePtsPath} ({mode}); Ctrl+C to stop");
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
            catch (PlatformNotSupportedException ex)
            {
                await Console.Error.WriteLineAsync($"simulate bootloader: {ex.Message}");
                return ExitCodes.Failure;
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
