using OpenBekenHub.Flashing.Chips;

namespace OpenBekenHub.Flashing.Operations;

/// <summary>What the loader learned about the connected chip.</summary>
public sealed record BkDeviceInfo(
    BkChip Chip,
    string DetectedBy,
    string? BootloaderVersion,
    uint? ChipIdRegister,
    uint? BootloaderFingerprint,
    bool CrcEndInclusive,
    FlashChipInfo? Flash,
    uint FlashSize,
    uint? StatusRegister,
    bool? Protected,
    string? MacAddress,
    int BaudRate)
{
    public string FlashIdHex => Flash?.IdHex ?? "unknown";
}
