using OpenBekenHub.Flashing.Chips;
using OpenBekenHub.Flashing.Errors;
using OpenBekenHub.Flashing.Images;
using OpenBekenHub.Flashing.Tests.Support;
using OpenBekenHub.Simulators.Bootloader;

namespace OpenBekenHub.Flashing.Tests.Images;

public sealed class ImageDetectorTests
{
    [Fact]
    public void A_UA_app_is_accepted_for_0x11000()
    {
        var ua = TestImages.UaOfSize(600_000);
        var d = ImageDetector.Detect(ua, Bk7231T.Instance);
        Assert.True(d.IsAccepted, d.Reason);
        Assert.Equal(ImageKind.UaApp, d.Kind);
        Assert.Equal(0x11000u, d.Offset);
        Assert.Equal(ua.Length, d.Length);
    }

    [Fact]
    public void A_BK7231N_QIO_is_recognised_by_its_bootloader_fingerprint_and_written_at_0()
    {
        var qio = TestImages.Qio(EmulatedChip.Bk7231N, 1000);
        var d = ImageDetector.Detect(qio, null);
        Assert.True(d.IsAccepted, d.Reason);
        Assert.Equal(ImageKind.QioFull, d.Kind);
        Assert.Same(Bk7231N.Instance, d.Chip);
        Assert.Equal(0u, d.Offset);
        Assert.Contains("bootloader fingerprint", d.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_BK7231T_QIO_skips_the_bootloader_unless_explicitly_allowed()
    {
        var qio = TestImages.Qio(EmulatedChip.Bk7231T, 1000);
        var safe = ImageDetector.Detect(qio, Bk7231T.Instance);
        Assert.True(safe.IsAccepted, safe.Reason);
        Assert.Equal(0x11000u, safe.Offset);
        Assert.Equal(0x11000u, safe.Skip);
        Assert.Equal(qio.Length - 0x11000, safe.Length);

        var all = ImageDetector.Detect(qio, Bk7231T.Instance, allowBootloader: true);
        Assert.Equal(0u, all.Offset);
        Assert.Contains("WILL be overwritten", all.Reason, StringComparison.Ordinal);
    }

    public static TheoryData<string, Func<byte[]>, BkChip?, string, string> BadImages => new()
    {
        { "empty", () => [], null, "empty", "OpenBK7231T_UA_" },
        { "random", () => { var b = new byte[300_000]; new Random(5).NextBytes(b); return b; }, null, "Not a BK7231 image", "OpenBK7231N_QIO_" },
        { "truncated UA", () => TestImages.Ua(5000)[..(5000 * 34 - 7)], Bk7231T.Instance, "truncated", "OpenBK7231T_UA_" },
        { "bit flip in UA", () => { var b = TestImages.Ua(5000); b[34 * 1234 + 5] ^= 0x10; return b; }, Bk7231T.Instance, "block #1234", "OpenBK7231T_UA_" },
        { "oversized UA for T", () => TestImages.UaOfSize(0x121000 + 34 * 100), Bk7231T.Instance, "too big", "at most 1,183,744 bytes" },
        { "oversized UA for N", () => TestImages.UaOfSize(0x119000 + 34 * 10), Bk7231N.Instance, "too big", "1,150,976 bytes" },
        { "oversized UA, chip unknown", () => TestImages.UaOfSize(1_300_000), null, "too big", "OpenBK7231T_UA_" },
        { "RBL OTA", () => [.. "RBL\0"u8.ToArray(), .. new byte[200]], null, "RBL OTA package", "UA" },
        { "Tuya UG", () => [0x55, 0xAA, 0x55, 0xAA, .. new byte[200]], Bk7231T.Instance, "UG", "OpenBK7231T_UA_" },
        { "raw ARM binary", () => [0x0E, 0x00, 0x00, 0xEA, 0x14, 0xF0, 0x9F, 0xE5, .. new byte[200]], null, "unencrypted", "UA" },
        { "QIO cut in the bootloader", () => TestImages.Qio(EmulatedChip.Bk7231N, 10)[..0x11002], null, "cut short", "QIO" },
    };

    [Theory]
    [MemberData(nameof(BadImages))]
    public void Bad_images_are_refused_with_what_is_wrong_and_what_would_fit(string name, Func<byte[]> make, BkChip? chip, string what, string fits)
    {
        var d = ImageDetector.Detect(make(), chip);
        Assert.False(d.IsAccepted, name);
        Assert.Contains(what, d.Reason, StringComparison.Ordinal);
        Assert.Contains(fits, d.Reason + " " + d.Hint, StringComparison.Ordinal);
        var ex = Assert.ThrowsAny<FlashException>(d.ThrowIfRejected);
        Assert.Equal(FlashExitCodes.ImageRejected, ex.ExitCode);
    }

    [Fact]
    public void A_BK7231N_QIO_for_a_BK7231T_is_the_wrong_chip()
    {
        var d = ImageDetector.Detect(TestImages.Qio(EmulatedChip.Bk7231N, 1000), Bk7231T.Instance);
        Assert.Equal(ImageVerdict.WrongChip, d.Verdict);
        Assert.Contains("BK7231N QIO image", d.Reason, StringComparison.Ordinal);
        Assert.Contains("OpenBK7231T_UA_", d.Hint, StringComparison.Ordinal);
        Assert.Throws<ChipMismatchException>(d.ThrowIfRejected);
    }

    [Fact]
    public void A_BK7231T_QIO_for_a_BK7231N_is_the_wrong_chip()
    {
        var d = ImageDetector.Detect(TestImages.Qio(EmulatedChip.Bk7231T, 1000), Bk7231N.Instance);
        Assert.Equal(ImageVerdict.WrongChip, d.Verdict);
        Assert.Contains("OpenBK7231N_QIO_", d.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void A_UA_named_for_another_chip_is_the_wrong_chip()
    {
        var d = ImageDetector.Detect(TestImages.UaOfSize(100_000), Bk7231N.Instance, fileName: "OpenBK7231T_UA_1.17.551.bin");
        Assert.Equal(ImageVerdict.WrongChip, d.Verdict);
        Assert.Contains("file name says BK7231T", d.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_QIO_larger_than_the_flash_is_refused()
    {
        var big = new byte[0x200000 + 0x1000];
        TestImages.Qio(EmulatedChip.Bk7231N, 100).CopyTo(big, 0);
        var d = ImageDetector.Detect(big, Bk7231N.Instance);
        Assert.False(d.IsAccepted);
        Assert.Contains("larger than the 2,097,152 bytes", d.Reason, StringComparison.Ordinal);
    }
}
