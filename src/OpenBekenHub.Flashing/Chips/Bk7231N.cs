namespace OpenBekenHub.Flashing.Chips;

/// <summary>BK7231N (also BL2028N, T2, BK7231M): download code in mask ROM, QIO image at 0x0, SR unprotect needed.</summary>
public sealed record Bk7231N : BkChip
{
    public static Bk7231N Instance { get; } = new();

    public override string Name => "BK7231N";
    public override BkProtocolSet Protocol => BkProtocolSet.Full;
    public override uint? ChipIdValue => 0x7231C;
    public override bool BootloaderIsInFlashOnly => false;
    public override uint AppPartitionSize => 0x119000;
    public override ImageKind PreferredImage => ImageKind.QioFull;
    public override uint? QioImageLength => 0x129F70;
    public override uint ConfigOffset => 0x1D1000;
    public override uint RfOffset => 0x1D0000;

    public override IReadOnlyDictionary<uint, string> BootloaderFingerprints { get; } = new Dictionary<uint, string>
    {
        [0xE14191BA] = "BK7231N 1.0.1",
    };
}
