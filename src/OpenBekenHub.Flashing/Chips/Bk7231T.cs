namespace OpenBekenHub.Flashing.Chips;

/// <summary>BK7231T: Tuya flash bootloader "bk7231s" 1.0.x, UA app at 0x11000, bootloader must never be overwritten.</summary>
public sealed record Bk7231T : BkChip
{
    public static Bk7231T Instance { get; } = new();

    public override string Name => "BK7231T";
    public override BkProtocolSet Protocol => BkProtocolSet.BasicTuya;
    public override uint? ChipIdValue => 0x7231A;
    public override bool BootloaderIsInFlashOnly => true;
    public override uint AppPartitionSize => 0x121000;
    public override ImageKind PreferredImage => ImageKind.UaApp;
    public override uint? QioImageLength => 0x100000;
    public override uint ConfigOffset => 0x1E1000;
    public override uint RfOffset => 0x1E0000;

    public override IReadOnlyDictionary<uint, string> BootloaderFingerprints { get; } = new Dictionary<uint, string>
    {
        [0xC1ECA871] = "bk7231s 1.0.1",
        [0x4B31E44D] = "bk7231s 1.0.3",
        [0xBA54C1B8] = "bk7231s 1.0.5",
        [0xE5CBC953] = "bk7231s 1.0.6",
    };
}
