using OpenBekenHub.Simulators.Bootloader;

namespace OpenBekenHub.Simulators.Tests.Bootloader;

/// <summary>Erase-before-write, address wrap, status-register protection (N) and the T bootloader's CRC re-lock.</summary>
public sealed class FlashModelTests
{
    [Fact]
    public void Programming_only_clears_bits_so_a_sector_must_be_erased_before_rewriting()
    {
        using var flash = new EmulatedFlash(0x200000, []);
        Assert.True(flash.Program(0x11000, [0xF0, 0x0F]));
        Assert.True(flash.Program(0x11000, [0x3C, 0xFF]));
        Assert.Equal(new byte[] { 0x30, 0x0F }, flash.Read(0x11000, 2));
        Assert.True(flash.Erase(0x11800, 0x1000));
        Assert.Equal(new byte[] { 0xFF, 0xFF }, flash.Read(0x11000, 2));
    }

    [Fact]
    public void Addresses_wrap_modulo_the_flash_size()
    {
        using var flash = new EmulatedFlash(0x200000, []);
        flash.Program(0x211000, [0x12]);
        Assert.Equal(0x12, flash.Read(0x11000, 1)[0]);
        Assert.Equal(flash.ChipCrc(0x11000, 0x1000), flash.ChipCrc(0x211000, 0x1000));
    }

    [Theory]
    [InlineData(0x0000, 0, 0)]
    [InlineData(0x001C, 0, 0x200000)]          // BP2..0 = 111: all
    [InlineData(0x0004, 0x1F0000, 0x200000)]   // BP0: upper 64 KiB
    [InlineData(0x0014, 0x100000, 0x200000)]   // BP2+BP0: upper half
    [InlineData(0x0024, 0, 0x10000)]           // TB: lower 64 KiB
    [InlineData(0x0044, 0x1FF000, 0x200000)]   // SEC: upper 4 KiB
    [InlineData(0x4024, 0x10000, 0x200000)]    // CMP inverts the lower 64 KiB
    [InlineData(0x401C, 0, 0)]                 // CMP + all = none
    [InlineData(0x4000, 0, 0x200000)]          // CMP + none = all
    public void Status_register_block_protection_follows_the_GD25Q16_table(int sr, int start, int end)
    {
        var (s, e) = FlashProtection.ProtectedRange((ushort)sr, 0x200000);
        Assert.Equal((start, end), e > s ? (s, e) : (0, 0));
    }

    [Fact]
    public async Task N_flash_protected_by_the_status_register_ignores_erase_until_unprotected()
    {
        await using var h = EmulatorHarness.For(EmulatedChip.Bk7231N, o => o.InitialImage = Filled(0x200000, 0x5A));
        await h.LinkAsync();
        Assert.Equal(0x001C, h.Emulator.Flash.StatusRegister);
        var reply = await h.ExchangeAsync("01 E0 FC FF F4 06 00 0F 20 00 10 01 00", 16);
        Assert.Equal(BootStatus.Ok, reply[10]);
        Assert.Equal(0x5A, h.Emulator.Flash.Read(0x11000, 1)[0]);
        Assert.Equal(1, h.Emulator.Flash.RefusedByProtection);

        await h.ExchangeAsync("01 E0 FC FF F4 04 00 0D 01 00 00", 14);
        await h.ExchangeAsync("01 E0 FC FF F4 06 00 0F 20 00 10 01 00", 16);
        Assert.Equal(0xFF, h.Emulator.Flash.Read(0x11000, 1)[0]);
    }

    [Fact]
    public async Task T_erase_after_CheckCRC_is_ignored_until_a_LinkCheck_marks_the_lock()
    {
        await using var h = EmulatorHarness.For(EmulatedChip.Bk7231T, o => o.InitialImage = Filled(0x200000, 0x5A));
        await h.LinkAsync();
        await h.ExchangeAsync("01 E0 FC 09 10 00 10 01 00 00 20 01 00", 11);  // CheckCRC re-locks
        await h.ExchangeAsync("01 E0 FC FF F4 06 00 0F 20 00 10 01 00", 16);
        Assert.Equal(0x5A, h.Emulator.Flash.Read(0x11000, 1)[0]);

        await h.LinkAsync();
        await h.ExchangeAsync("01 E0 FC FF F4 06 00 0F 20 00 10 01 00", 16);
        Assert.Equal(0xFF, h.Emulator.Flash.Read(0x11000, 1)[0]);
    }

    [Fact]
    public async Task T_refuses_to_erase_or_write_below_0x11000_but_not_through_the_wrapped_address()
    {
        await using var h = EmulatorHarness.For(EmulatedChip.Bk7231T);
        await h.LinkAsync();
        var before = h.Emulator.Flash.Read(0, 0x1000);
        var reply = await h.ExchangeAsync("01 E0 FC FF F4 06 00 0F 20 00 00 00 00", 16);
        Assert.Equal(BootStatus.ParamError, reply[10]);
        Assert.Equal(before, h.Emulator.Flash.Read(0, 0x1000));

        await h.ExchangeAsync("01 E0 FC FF F4 06 00 0F 20 00 00 20 00", 16); // 0x200000 wraps to 0: bricks a real T
        Assert.All(h.Emulator.Flash.Read(0, 0x1000), b => Assert.Equal(0xFF, b));
    }

    [Fact]
    public void Backing_file_keeps_the_flash_across_emulator_instances()
    {
        using var dir = new OpenBekenHub.TestKit.TempDir();
        var file = dir.File("flash.bin");
        using (var flash = new EmulatedFlash(0x200000, SyntheticBootloader.BuildFlash(EmulatedChip.Bk7231N, 0x200000), file))
        {
            flash.Erase(0x11000, 0x1000);
            flash.Program(0x11000, [0x42]);
        }
        using var again = new EmulatedFlash(0x200000, [], file);
        Assert.Equal(0x42, again.Read(0x11000, 1)[0]);
        Assert.Equal(0xE14191BAu, BootCrc32.Standard(again.Read(0, 257)));
    }

    [Fact]
    public void Forged_suffix_gives_the_requested_standard_CRC()
    {
        var prefix = new byte[100];
        Random.Shared.NextBytes(prefix);
        var suffix = BootCrc32.ForgeSuffix(prefix, 0x12345678);
        Assert.Equal(0x12345678u, BootCrc32.Standard(prefix.Concat(suffix).ToArray()));
        Assert.Equal(0xF154670Au, BootCrc32.Standard(Filled(4096, 0xFF)));
    }

    internal static byte[] Filled(int length, byte value)
    {
        var data = new byte[length];
        Array.Fill(data, value);
        return data;
    }
}
