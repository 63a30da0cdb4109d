using Microsoft.Extensions.Logging;
using OpenBekenHub.Flashing.Chips;
using OpenBekenHub.Flashing.Errors;
using OpenBekenHub.Flashing.Protocol;

namespace OpenBekenHub.Flashing.Operations;

public sealed partial class BkLoader
{
    public const uint SectorSize = 0x1000;
    public const uint BlockSize = 0x10000;
    private const uint ChipIdRegister = 0x800000;
    private const uint ProbeAddress = 0x11000;

    /// <summary>Writes/erases below the bootloader end of flash-bootloader chips are refused unless this is set.</summary>
    public bool AllowBootloaderWrites { get; set; }

    private bool Inclusive => CrcEndInclusive ?? Chip?.CrcEndInclusiveByDefault ?? false;

    /// <summary>
    /// Switches to <paramref name="requested"/> baud, falling back step by step to a rate that holds; never leaves the
    /// link dead (returns to the old rate, or 115200, when the chip does not follow). Returns the rate in use.
    /// </summary>
    public async Task<int> SetBaudRateAsync(int requested, CancellationToken cancellationToken = default)
    {
        if (requested == Link.BaudRate)
        {
            return requested;
        }
        var candidates = new List<int> { requested };
        candidates.AddRange(Options.BaudSteps.Where(b => b < requested && b > Link.BaudRate));
        foreach (var baud in candidates)
        {
            if (await TrySwitchBaudAsync(baud, cancellationToken).ConfigureAwait(false))
            {
                _logger.LogInformation("Link runs at {Baud} baud", baud);
                return baud;
            }
            _logger.LogWarning("{Baud} baud did not hold; staying at {Current} and trying a lower rate", baud, Link.BaudRate);
        }
        return Link.BaudRate;
    }

    private async Task<bool> TrySwitchBaudAsync(int baud, CancellationToken cancellationToken)
    {
        var old = Link.BaudRate;
        var command = new SetBaudRateCommand((uint)baud, Options.BaudSwitchDelayMs);
        var frame = BkPacketCodec.Encode(command);
        Link.DiscardInput();
        _rxCount = 0;
        await Link.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        await Link.DrainTransmitAsync(cancellationToken).ConfigureAwait(false);
        await Task.Delay(Options.BaudSwitchDelayMs / 2, cancellationToken).ConfigureAwait(false);
        await Link.SetBaudRateAsync(baud, cancellationToken).ConfigureAwait(false);
        long garbage = 0;
        var deadline = Environment.TickCount64 + (long)Options.BaudEchoTimeout.TotalMilliseconds;
        var echoed = false;
        try
        {
            while (Environment.TickCount64 < deadline && !echoed)
            {
                if (ScanFor(command, out _, ref garbage))
                {
                    echoed = true;
                    break;
                }
                var n = await Link.ReadAsync(_rx.AsMemory(_rxCount), TimeSpan.FromMilliseconds(Math.Max(1, deadline - Environment.TickCount64)), cancellationToken).ConfigureAwait(false);
                _rxCount += n;
            }
        }
        catch (ReplyCorruptException)
        {
            echoed = false;
        }
        // Whatever the echo said, the link only counts if a link check holds at the new rate.
        if (await ConfirmLinkAsync(2, cancellationToken).ConfigureAwait(false))
        {
            if (!echoed)
            {
                _logger.LogWarning("SetBaudRate {Baud}: echo lost, but the chip answers at the new rate", baud);
            }
            return true;
        }
        await Link.SetBaudRateAsync(old, cancellationToken).ConfigureAwait(false);
        if (await ConfirmLinkAsync(3, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }
        if (old != 115200)
        {
            await Link.SetBaudRateAsync(115200, cancellationToken).ConfigureAwait(false);
            if (await ConfirmLinkAsync(3, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }
        throw new BaudRateException($"The chip stopped answering after SetBaudRate {baud} (tried {baud}, {old} and 115200 baud).");
    }

    private async Task<bool> ConfirmLinkAsync(int attempts, CancellationToken cancellationToken)
    {
        for (var i = 0; i < attempts; i++)
        {
            await DrainAsync(cancellationToken).ConfigureAwait(false);
            if (await TryLinkCheckAsync(cancellationToken).ConfigureAwait(false))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Maps a logical flash address to what the bootloader accepts (T/U: low addresses via the wrap).</summary>
    private uint Physical(uint address) =>
        Chip is { WrapsLowAddresses: true } && address < Chip.BootloaderSize ? address + FlashSize : address;

    private void GuardBootloader(uint address)
    {
        if (Chip is { BootloaderIsInFlashOnly: true } chip && address < chip.BootloaderSize && !AllowBootloaderWrites)
        {
            throw new ImageRejectedException(
                $"Refusing to erase or write 0x{address:X}: below 0x{chip.BootloaderSize:X} is the {chip.Name} bootloader; overwriting it bricks the chip.",
                "Write the UA image at 0x11000; only pass --allow-bootloader if you can recover over SPI.");
        }
    }

    private async Task RelinkIfNeededAsync(CancellationToken cancellationToken)
    {
        if (RelinkNeeded)
        {
            await ExecuteAsync(new LinkCheckCommand(), cancellationToken: cancellationToken).ConfigureAwait(false);
            RelinkNeeded = false;
        }
    }

    public async Task<byte[]> Read4KAsync(uint address, CancellationToken cancellationToken = default)
    {
        var physical = Physical(address);
        var reply = await ExecuteAsync<FlashReadReply>(new FlashRead4KCommand(physical), cancellationToken: cancellationToken).ConfigureAwait(false);
        Stats.Reads4K++;
        return reply.Data;
    }

    public async Task EraseAsync(uint address, BkEraseSize size, CancellationToken cancellationToken = default)
    {
        GuardBootloader(address);
        await RelinkIfNeededAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync<FlashEraseReply>(new FlashEraseCommand(size, Physical(address)), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (size == BkEraseSize.Block64K)
        {
            Stats.Erases64K++;
        }
        else
        {
            Stats.Erases4K++;
        }
    }

    /// <summary>Erases [start, start+length): 4 KiB sectors up to a 64 KiB boundary, 64 KiB blocks while they fit, 4 KiB after.</summary>
    public async Task EraseRangeAsync(uint start, uint length, Action<uint>? onErased = null, CancellationToken cancellationToken = default)
    {
        foreach (var (address, size) in PlanErase(start, length))
        {
            await EraseAsync(address, size, cancellationToken).ConfigureAwait(false);
            onErased?.Invoke(size.Bytes());
        }
    }

    /// <summary>The erase commands for a 4 KiB-aligned range, using 64 KiB blocks where aligned.</summary>
    public static IEnumerable<(uint Address, BkEraseSize Size)> PlanErase(uint start, uint length)
    {
        if (start % SectorSize != 0 || length % SectorSize != 0)
        {
            throw new ArgumentException($"erase range 0x{start:X}+0x{length:X} is not 4 KiB aligned");
        }
        var address = start;
        var end = start + length;
        while (address < end)
        {
            if (address % BlockSize == 0 && end - address >= BlockSize)
            {
                yield return (address, BkEraseSize.Block64K);
                address += BlockSize;
            }
            else
            {
                yield return (address, BkEraseSize.Sector4K);
                address += SectorSize;
            }
        }
    }

    public async Task Write4KAsync(uint address, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        GuardBootloader(address);
        await RelinkIfNeededAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync<FlashWriteReply>(new FlashWrite4KCommand(Physical(address), data), cancellationToken: cancellationToken).ConfigureAwait(false);
        Stats.Writes4K++;
    }

    /// <summary>The chip's raw CRC over [start, start+length) (end semantics as probed). Marks a re-link on T-class bootloaders.</summary>
    public async Task<uint> CrcAsync(uint start, uint length, CancellationToken cancellationToken = default)
    {
        var end = Inclusive ? start + length - 1 : start + length;
        var reply = await ExecuteAsync<CrcReply>(new CheckCrcCommand(start, end), cancellationToken: cancellationToken).ConfigureAwait(false);
        Stats.CrcBytes += length;
        Stats.CrcCommands++;
        if (Chip?.CrcRelocksFlash ?? true)
        {
            RelinkNeeded = true;
        }
        return reply.Crc;
    }

    /// <summary>Reads the whole status register of <paramref name="flash"/> (SR1 | SR2 &lt;&lt; 8 | SR3 &lt;&lt; 16).</summary>
    public async Task<uint> ReadStatusRegisterAsync(FlashChipInfo flash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flash);
        uint value = 0;
        for (var i = 0; i < flash.StatusBytes && i < flash.ReadOpcodes.Length; i++)
        {
            var reply = await ExecuteAsync<StatusRegisterReply>(new FlashReadStatusCommand(flash.ReadOpcodes[i]), cancellationToken: cancellationToken).ConfigureAwait(false);
            value |= (uint)reply.Value << (8 * i);
        }
        return value;
    }

    /// <summary>
    /// Brings the protect bits (<see cref="FlashChipInfo.EffectiveMask"/>) to <paramref name="targetBits"/>, writing the
    /// status register only when they differ. Returns the status register found before any change.
    /// </summary>
    public async Task<(uint Before, bool Written)> SetProtectBitsAsync(FlashChipInfo flash, uint targetBits, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flash);
        var mask = flash.EffectiveMask;
        if (mask == 0)
        {
            return (0, false);
        }
        var before = await ReadStatusRegisterAsync(flash, cancellationToken).ConfigureAwait(false);
        var sr = before;
        var written = false;
        for (var attempt = 0; attempt < Options.UnprotectAttempts; attempt++)
        {
            if ((sr & mask) == (targetBits & mask))
            {
                return (before, written);
            }
            var value = (sr & ~mask) | (targetBits & mask);
            byte[] bytes = flash.StatusBytes == 1 ? [(byte)value] : [(byte)value, (byte)(value >> 8)];
            _logger.LogInformation("Flash {Flash}: status register 0x{Old:X4} -> 0x{New:X4}", flash.Name, sr, value);
            await ExecuteAsync<WriteStatusReply>(new FlashWriteStatusCommand(flash.WriteOpcode, bytes), cancellationToken: cancellationToken).ConfigureAwait(false);
            written = true;
            sr = await ReadStatusRegisterAsync(flash, cancellationToken).ConfigureAwait(false);
        }
        throw new FlashProtectedException($"Flash {flash.Name}: protect bits stay 0x{sr & mask:X4} after {Options.UnprotectAttempts} status-register writes (wanted 0x{targetBits & mask:X4}).");
    }

    /// <summary>Sends Reboot (no reply; the chip starts its app).</summary>
    public async Task RebootAsync(CancellationToken cancellationToken = default)
    {
        await ExecuteOnceAsync(new RebootCommand(), Options.CommandTimeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Identifies the chip without trusting the user's guess: chip-id register (N), boot version (T), bootloader
    /// fingerprint, and the CheckCRC end semantics probed against a local CRC. Throws <see cref="ChipMismatchException"/>
    /// when <paramref name="expected"/> disagrees with what answered.
    /// </summary>
    public async Task<BkDeviceInfo> IdentifyAsync(BkChip? expected = null, bool readMac = true, CancellationToken cancellationToken = default)
    {
        uint? chipId = null;
        string? bootVersion = null;
        try
        {
            var reg = await ExecuteOnceAsync(new ReadRegisterCommand(ChipIdRegister), Options.CommandTimeout, cancellationToken).ConfigureAwait(false);
            chipId = ((RegisterReply)reg!).Value;
        }
        catch (BootloaderStatusException)
        {
            // basic command set: no registers
        }
        catch (FlashException ex) when (ex is ReplyTimeoutException or ReplyCorruptException)
        {
            await ResyncAsync(cancellationToken).ConfigureAwait(false);
        }
        if (chipId is null)
        {
            try
            {
                var version = await ExecuteOnceAsync(new ReadBootVersionCommand(), Options.CommandTimeout, cancellationToken).ConfigureAwait(false);
                bootVersion = ((BootVersionReply)version!).Version;
            }
            catch (BootloaderStatusException)
            {
            }
            catch (FlashException ex) when (ex is ReplyTimeoutException or ReplyCorruptException)
            {
                await ResyncAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        // CRC end semantics: compare the chip's CRC of 256 bytes at a readable address with local CRCs of 256 and 257 bytes.
        var probe = await Read4KAsync(ProbeAddress, cancellationToken).ConfigureAwait(false);
        var raw = (await ExecuteAsync<CrcReply>(new CheckCrcCommand(ProbeAddress, ProbeAddress + 256), cancellationToken: cancellationToken).ConfigureAwait(false)).Crc;
        RelinkNeeded = true;
        if (raw == BkCrc32.Compute(probe.AsSpan(0, 256)))
        {
            CrcEndInclusive = false;
        }
        else if (raw == BkCrc32.Compute(probe.AsSpan(0, 257)))
        {
            CrcEndInclusive = true;
        }
        else
        {
            throw new CrcMismatchException("The chip's CRC of 256 bytes at 0x11000 matches neither end convention: unknown bootloader or a garbled read.",
                "Retry at a lower baud; if it persists, report the bootloader version.");
        }
        var fingerprintRaw = (await ExecuteAsync<CrcReply>(new CheckCrcCommand(0, 256), cancellationToken: cancellationToken).ConfigureAwait(false)).Crc;
        var fingerprint = ~fingerprintRaw;
        var byFingerprint = ChipRegistry.ByBootloaderFingerprint(fingerprint);

        BkChip? chip = null;
        string detectedBy;
        if (chipId is { } id && ChipRegistry.ByChipId(id) is { } byId)
        {
            (chip, detectedBy) = (byId, $"chip-id register 0x{id:X}");
        }
        else if (byFingerprint is { } fp)
        {
            (chip, detectedBy) = (fp.Chip, $"bootloader fingerprint 0x{fingerprint:X8} ({fp.Version})");
        }
        else if (bootVersion is not null && ChipFromBootVersion(bootVersion) is { } byVersion)
        {
            (chip, detectedBy) = (byVersion, $"boot version \"{bootVersion}\"");
        }
        else
        {
            chip = chipId is not null ? Bk7231N.Instance : Bk7231T.Instance;
            detectedBy = chipId is not null ? $"full command set (unknown chip id 0x{chipId:X})" : "basic command set (unknown bootloader)";
            _logger.LogWarning("Chip not positively identified; assuming {Chip} from its {How}", chip.Name, detectedBy);
        }
        if (expected is not null && expected != chip)
        {
            throw new ChipMismatchException($"You asked for {expected.Name} but the chip answers as {chip.Name} (by {detectedBy}).",
                $"Use --chip {chip.Id} (or auto) and the matching {chip.ReleasePrefix} image.");
        }
        Chip = chip;
        var bootloaderVersion = bootVersion ?? byFingerprint?.Version;

        FlashChipInfo? flash = null;
        uint? sr = null;
        bool? isProtected = null;
        if (chip.HasRegisterAccess)
        {
            var mid = await ExecuteAsync<FlashIdReply>(new FlashGetMidCommand(), cancellationToken: cancellationToken).ConfigureAwait(false);
            flash = FlashChipTable.Lookup(mid.Mid);
            FlashSize = flash.Size;
            sr = await ReadStatusRegisterAsync(flash, cancellationToken).ConfigureAwait(false);
            isProtected = (sr & flash.EffectiveMask) != 0;
        }
        string? mac = null;
        if (readMac)
        {
            var rf = await Read4KAsync(chip.RfOffset, cancellationToken).ConfigureAwait(false);
            if (rf.AsSpan(0, 4).SequenceEqual("TLV\0"u8))
            {
                mac = string.Join(':', rf.AsSpan(0x24, 6).ToArray().Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));
            }
        }
        var info = new BkDeviceInfo(chip, detectedBy, bootloaderVersion, chipId, fingerprint, CrcEndInclusive.Value, flash, FlashSize, sr, isProtected, mac, Link.BaudRate);
        _logger.LogInformation("Identified {Chip} by {How}; CRC end {End}; flash {Flash} {Size} bytes", chip.Name, detectedBy,
            info.CrcEndInclusive ? "inclusive" : "exclusive", info.FlashIdHex, FlashSize);
        return info;
    }

    private static BkChip? ChipFromBootVersion(string version)
    {
        var v = version.ToUpperInvariant();
        return v.Contains("7231S", StringComparison.Ordinal) || v.Contains("7231T", StringComparison.Ordinal) ? Bk7231T.Instance
            : v.Contains("7231U", StringComparison.Ordinal) ? Bk7231U.Instance
            : v.Contains("7252", StringComparison.Ordinal) ? Bk7252.Instance
            : null;
    }
}
