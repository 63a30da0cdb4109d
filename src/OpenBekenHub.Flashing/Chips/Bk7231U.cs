namespace OpenBekenHub.Flashing.Chips;

/// <summary>BK7231U: Beken flash bootloader 1.0.6, T-style layout, no chip id over UART.</summary>
public sealed record Bk7231U : BkChip
{
    public static Bk7231U Instance { get; } = new();

    public override string Name => "BK7231U";
    public override BkProtocolSet Protocol => BkProtocolSet.BasicBeken;
    public override uint? ChipIdValue => null;
    public override bool BootloaderIsInFlashOnly => true;
    public override uint AppPartitionSize => 0x121000;
    public override ImageKind PreferredImage => ImageKind.UaApp;
    public override uint? QioImageLength => null;
    public override uint ConfigOffset => 0x1E1000;
    public override uint RfOffset => 0x1E0000;

    public override IReadOnlyDictionary<uint, string> BootloaderFingerprints { get; } = new Dictionary<uint, string>
    {
        [0x2739019F] = "BK7231U 1.0.6",
    };
}
