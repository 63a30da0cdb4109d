namespace OpenBekenHub.Flashing.Chips;

/// <summary>BK7252: Beken flash bootloader, T-style layout.</summary>
public sealed record Bk7252 : BkChip
{
    public static Bk7252 Instance { get; } = new();

    public override string Name => "BK7252";
    public override BkProtocolSet Protocol => BkProtocolSet.BasicBeken;
    public override uint? ChipIdValue => 0x7252;
    public override bool BootloaderIsInFlashOnly => true;
    public override uint AppPartitionSize => 0x121000;
    public override ImageKind PreferredImage => ImageKind.UaApp;
    public override uint? QioImageLength => null;
    public override uint ConfigOffset => 0x1E1000;
    public override uint RfOffset => 0x1E0000;

    public override IReadOnlyDictionary<uint, string> BootloaderFingerprints { get; } = new Dictionary<uint, string>
    {
        [0x39F9B50C] = "BK7252 0.1.3",
        [0xE3A27C26] = "BK7252 SDK",
    };
}
