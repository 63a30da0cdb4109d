using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using OpenBekenHub.Flashing.Images;
using OpenBekenHub.Flashing.Operations;
using OpenBekenHub.Flashing.Transport;
using OpenBekenHub.Simulators.Bootloader;
using Spectre.Console;

namespace OpenBekenHub.Cli;

/// <summary>One benchmark row: measured time against the wire-time limit and the floor.</summary>
public sealed record BenchFlashRow(string Operation, int Baud, long Bytes, double MeasuredSeconds, long WireBytes, double WireSeconds,
    double FloorSeconds, string FloorBreakdown)
{
    public double FloorOverMeasured => FloorSeconds / MeasuredSeconds;
}

public sealed record BenchFlashResult(int Baud, BenchFlashRow Write, BenchFlashRow Read, double ReflashSeconds)
{
    public double ReflashSpeedup => Write.MeasuredSeconds / ReflashSeconds;
}

/// <summary>
/// "obkhub bench flash": writes a 1 MiB UA image and reads a 2 MiB backup through the bootloader emulator over a real
/// pty in baud-time mode with realistic flash timings, and compares with the wire-time limit and the floor (wire time
/// plus the flash operations that cannot overlap it: erases, CRC at 400 kB/s, the last 4K program).
/// </summary>
public static class BenchFlashCommand
{
    // Emulator timings the floor is computed from (EmulatorOptions.RealisticTimings).
    private const double Erase4KSeconds = 0.045;
    private const double Erase64KSeconds = 0.300;
    private const double Write4KSeconds = 0.015;
    private const double CrcBytesPerSecond = 400_000;

    public static Command CreateBenchFlash()
    {
        var bauds = new Option<string>("--bauds") { Description = "Comma-separated line rates", DefaultValueFactory = _ => "921600,1500000" };
        var size = new Option<string>("--write-size") { Description = "UA image size (e.g. 1M)", DefaultValueFactory = _ => "1M" };
        var json = new Option<bool>("--json") { Description = "Machine-readable output" };
        var command = new Command("flash", "Benchmark write/read/re-flash through the BK7231T bootloader emulator (baud-time, realistic timings)");
        command.Options.Add(bauds);
        command.Options.Add(size);
        command.Options.Add(json);
        command.SetAction(async (parse, ct) =>
        {
            var rates = parse.GetValue(bauds)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
            var writeSize = (int)FlashCliSupport.ParseSize(parse.GetValue(size)!);
            var results = new List<BenchFlashResult>();
            foreach (var baud in rates)
            {
                if (!parse.GetValue(json))
                {
                    Console.Error.WriteLine($"bench flash: {baud} baud ...");
                }
                results.Add(await RunAsync(baud, writeSize, ct));
            }
            if (parse.GetValue(json))
            {
                FlashCliSupport.WriteJson(results);
            }
            else
            {
                Print(results);
            }
            return 0;
        });
        return command;
    }

    /// <summary>Runs the benchmark at one rate on a fresh emulated BK7231T.</summary>
    public static async Task<BenchFlashResult> RunAsync(int baud, int writeSize, CancellationToken cancellationToken = default)
    {
        var options = new EmulatorOptions { Chip = EmulatedChip.Bk7231T, BaudTimeMode = true, RealisticTimings = true };
        await using var pty = await PtyBootloader.StartAsync(options, ct: cancellationToken);
        var link = new CountingLink(SerialPortLink.Open(pty.HostPath));
        await using var session = await FlashSession.ConnectAsync(link, new FlashSessionOptions { BaudRate = baud, ReadMac = false }, ownsLink: true, cancellationToken: cancellationToken);
        if (session.Info.BaudRate != baud)
        {
            throw new InvalidOperationException($"the emulator did not hold {baud} baud (got {session.Info.BaudRate})");
        }
        var ua = BenchImage(writeSize);

        link.Reset();
        var sw = Stopwatch.StartNew();
        await session.WriteImageAsync(ua, new WriteImageOptions { SkipBackup = true, Differential = false }, cancellationToken);
        var write = Row("write UA", baud, ua.Length, sw.Elapsed.TotalSeconds, link, WriteFloor(baud, 0x11000, ua.Length));

        link.Reset();
        sw.Restart();
        var again = await session.WriteImageAsync(ua, new WriteImageOptions { SkipBackup = true, Differential = true }, cancellationToken);
        var reflash = sw.Elapsed.TotalSeconds;
        if (!again.NothingToDo)
        {
            throw new InvalidOperationException("the identical re-flash wrote regions");
        }

        link.Reset();
        sw.Restart();
        var flashSize = (int)session.Loader.FlashSize;
        var data = await session.ReadAsync(0, (uint)flashSize, cancellationToken);
        var read = Row("read backup", baud, data.Length, sw.Elapsed.TotalSeconds, link, ReadFloor(baud, flashSize));
        if (!data.AsSpan(0x11000, ua.Length).SequenceEqual(ua))
        {
            throw new InvalidOperationException("the backup does not hold the written image");
        }
        return new BenchFlashResult(baud, write, read, reflash);
    }

    /// <summary>A UA image of about <paramref name="size"/> bytes: random content in valid CRC16 blocks.</summary>
    private static byte[] BenchImage(int size)
    {
        var blocks = size / Crc16Cms.BlockSize;
        var image = new byte[blocks * Crc16Cms.BlockSize];
        var random = new Random(1234);
        for (var i = 0; i < blocks; i++)
        {
            var block = image.AsSpan(i * Crc16Cms.BlockSize, Crc16Cms.BlockSize);
            random.NextBytes(block[..32]);
            if (i == 0)
            {
                ImageDetector.UaMagic.CopyTo(block);
            }
            var crc = Crc16Cms.Compute(block[..32]);
            block[32] = (byte)(crc >> 8);
            block[33] = (byte)crc;
        }
        return image;
    }

    private static (double Seconds, string Breakdown) WriteFloor(int baud, uint offset, int length)
    {
        var sectors = (length + 0xFFF) / 0x1000;
        var erases = BkLoader.PlanErase(offset, (uint)sectors * 0x1000).ToList();
        var e4 = erases.Count(e => e.Size == Flashing.Protocol.BkEraseSize.Sector4K);
        var e64 = erases.Count - e4;
        // Minimal traffic: Write4K frames + replies, erase frames + replies, one CheckCRC exchange.
        long wireBytes = sectors * (4108L + 15) + erases.Count * (13L + 16) + (13 + 11);
        var wire = wireBytes * 10.0 / baud;
        var erase = e4 * Erase4KSeconds + e64 * Erase64KSeconds;
        var crc = sectors * 4096.0 / CrcBytesPerSecond;
        return (wire + erase + crc + Write4KSeconds,
            string.Create(CultureInfo.InvariantCulture, $"wire {wire:0.00} s + erase {erase:0.00} s ({e4}x4K, {e64}x64K) + CRC {crc:0.00} s + last program {Write4KSeconds:0.000} s"));
    }

    private static (double Seconds, string Breakdown) ReadFloor(int baud, int length)
    {
        var sectors = length / 0x1000;
        long wireBytes = sectors * (12L + 4111) + (13 + 11);
        var wire = wireBytes * 10.0 / baud;
        var crc = length / CrcBytesPerSecond;
        return (wire + crc, string.Create(CultureInfo.InvariantCulture, $"wire {wire:0.00} s + CRC {crc:0.00} s"));
    }

    private static BenchFlashRow Row(string operation, int baud, int bytes, double measured, CountingLink link, (double Seconds, string Breakdown) floor)
    {
        var wireBytes = link.BytesWritten + link.BytesRead;
        return new BenchFlashRow(operation, baud, bytes, measured, wireBytes, wireBytes * 10.0 / baud, floor.Seconds, floor.Breakdown);
    }

    private static void Print(List<BenchFlashResult> results)
    {
        var table = new Table().AddColumns("Baud", "Operation", "Measured", "Wire limit (actual bytes)", "Floor", "Floor/measured", "Floor breakdown");
        foreach (var r in results)
        {
            foreach (var row in new[] { r.Write, r.Read })
            {
                table.AddRow(
                    r.Baud.ToString(CultureInfo.InvariantCulture),
                    row.Operation,
                    $"{row.MeasuredSeconds:0.00} s",
                    $"{row.WireSeconds:0.00} s ({row.WireBytes:N0} B)",
                    $"{row.FloorSeconds:0.00} s",
                    $"{row.FloorOverMeasured:0.000}",
                    Markup.Escape(row.FloorBreakdown));
            }
            table.AddRow(r.Baud.ToString(CultureInfo.InvariantCulture), "identical re-flash", $"{r.ReflashSeconds:0.00} s", "", "", "",
                $"{r.ReflashSpeedup:0.0}x faster than the full write");
        }
        AnsiConsole.Write(table);
    }
}
