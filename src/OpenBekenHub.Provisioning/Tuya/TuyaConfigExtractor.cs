using OpenBekenHub.Provisioning.Chips;
using OpenBekenHub.Provisioning.Templates;

namespace OpenBekenHub.Provisioning.Tuya;

/// <summary>What a stock-firmware backup says about its device.</summary>
public sealed record TuyaExtraction
{
    /// <summary>Flash offset of the Tuya key block.</summary>
    public required int StorageOffset { get; init; }
    /// <summary>Names of every value in the storage (e.g. <c>user_param_key</c>, <c>gw_bi</c>, <c>baud_cfg</c>).</summary>
    public required IReadOnlyList<string> ValueNames { get; init; }
    /// <summary>The raw <c>user_param_key</c> text, or null when the dump has none.</summary>
    public string? UserParamText { get; init; }
    /// <summary>Parsed <c>user_param_key</c> keys (empty when absent).</summary>
    public required IReadOnlyDictionary<string, string> UserParams { get; init; }
    /// <summary>The Tuya module name (<c>module</c> key), e.g. <c>CB2S</c>.</summary>
    public string? Module { get; init; }
    /// <summary>Chip implied by the module name, or null.</summary>
    public ObkChip? Chip { get; init; }
    /// <summary>The proposed OpenBeken template (no pins when the dump names none, e.g. TuyaMCU devices).</summary>
    public required PinTemplate Proposal { get; init; }
}

/// <summary>From a stock-firmware backup to a proposed OpenBeken pin template (openbeken.md §7.2).</summary>
public static class TuyaConfigExtractor
{
    /// <summary>
    /// Decrypts Tuya's storage in <paramref name="flash"/>, reads <c>user_param_key</c> (or finds the same text in the
    /// decrypted data when the index is damaged) and proposes the template. Throws
    /// <see cref="Errors.ProvisioningException"/> (TuyaConfigNotFound) when there is no storage.
    /// </summary>
    public static TuyaExtraction Extract(ReadOnlySpan<byte> flash)
    {
        var storage = TuyaKvStorage.Open(flash);
        var text = storage.GetString("user_param_key") ?? TuyaUserParams.FindIn(storage.DecryptedData);
        var keys = text is null ? new Dictionary<string, string>() : TuyaUserParams.Parse(text);
        var module = keys.GetValueOrDefault("module");
        return new TuyaExtraction
        {
            StorageOffset = storage.KeyBlockOffset,
            ValueNames = storage.Values.Keys.Order(StringComparer.Ordinal).ToList(),
            UserParamText = text,
            UserParams = keys,
            Module = module,
            Chip = TuyaPinMapper.ChipForModule(module),
            Proposal = TuyaPinMapper.Propose(keys),
        };
    }

    /// <summary>Like <see cref="Extract"/>, returning null when the dump holds no Tuya storage.</summary>
    public static TuyaExtraction? TryExtract(ReadOnlySpan<byte> flash)
    {
        try
        {
            return Extract(flash);
        }
        catch (Errors.ProvisioningException)
        {
            return null;
        }
    }
}
