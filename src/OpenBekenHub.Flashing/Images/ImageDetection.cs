using OpenBekenHub.Flashing.Chips;
using OpenBekenHub.Flashing.Errors;

namespace OpenBekenHub.Flashing.Images;

public enum ImageVerdict
{
    Accepted,
    Rejected,
    WrongChip,
}

/// <summary>
/// What a file is and whether it may be written: kind, chip it targets (null when it fits several), the flash address
/// of the first byte to write, how many leading file bytes are skipped (the T bootloader part of a QIO), and a
/// human reason: what is wrong and what would fit.
/// </summary>
public sealed record ImageDetection(
    ImageKind Kind,
    ImageVerdict Verdict,
    BkChip? Chip,
    uint Offset,
    uint Skip,
    int Length,
    string Reason,
    string Hint = "")
{
    public bool IsAccepted => Verdict == ImageVerdict.Accepted;

    /// <summary>The bytes to write at <see cref="Offset"/>.</summary>
    public ReadOnlyMemory<byte> Payload(byte[] file) => file.AsMemory((int)Skip, Length);

    /// <summary>Throws <see cref="ImageRejectedException"/> or <see cref="ChipMismatchException"/> unless accepted.</summary>
    public void ThrowIfRejected()
    {
        switch (Verdict)
        {
            case ImageVerdict.Accepted:
                return;
            case ImageVerdict.WrongChip:
                throw new ChipMismatchException(Reason, Hint);
            default:
                throw new ImageRejectedException(Reason, Hint);
        }
    }
}
