using System.Text;
using System.Text.RegularExpressions;
using OpenBekenHub.Provisioning.Chips;

namespace OpenBekenHub.Provisioning.Identity;

/// <summary>
/// Expands a client-topic pattern such as <c>obk_{mac6}</c> into the plug's MQTT client topic (= client ID, so it
/// must be unique per plug). Placeholders: <c>{mac6}</c>, <c>{mac8}</c>, <c>{mac12}</c> (last hex digits of the MAC,
/// lower case; upper case with <c>{MAC6}</c>…; without a MAC the random suffix stands in), <c>{short}</c> (short
/// device name), <c>{chip}</c> (e.g. <c>bk7231n</c>).
/// </summary>
public static partial class ClientTopicPattern
{
    /// <summary>The default: the firmware's own default client topic, the short name.</summary>
    public const string Default = "{short}";
    public const int MaxBytes = 63;

    [GeneratedRegex(@"\{(\w+)\}")]
    private static partial Regex Placeholder();

    /// <summary>Does the pattern contain a per-plug part (a MAC placeholder or the short name)?</summary>
    public static bool IsUniquePerPlug(string pattern) =>
        Placeholder().Matches(pattern ?? "").Any(m => m.Groups[1].Value.ToLowerInvariant() is "mac6" or "mac8" or "mac12" or "short");

    /// <summary>Throws <see cref="ArgumentException"/> naming the problem when the pattern is unusable.</summary>
    public static void Validate(string pattern)
    {
        if (string.IsNullOrWhiteSpace(pattern))
        {
            throw new ArgumentException("The client-topic pattern is empty.", nameof(pattern));
        }
        foreach (Match m in Placeholder().Matches(pattern))
        {
            if (m.Groups[1].Value.ToLowerInvariant() is not ("mac6" or "mac8" or "mac12" or "short" or "chip"))
            {
                throw new ArgumentException("Unknown placeholder " + m.Value + " in client-topic pattern '" + pattern
                    + "'; use {mac6}, {mac8}, {mac12}, {short} or {chip}.", nameof(pattern));
            }
        }
        if (!IsUniquePerPlug(pattern))
        {
            throw new ArgumentException("Client-topic pattern '" + pattern + "' gives every plug the same client ID; "
                + "include {mac6}, {mac8}, {mac12} or {short}.", nameof(pattern));
        }
    }

    /// <summary>Expands the pattern and checks the result is a valid MQTT client topic.</summary>
    public static string Expand(string pattern, ObkChip chip, DeviceIdentity id, string shortName)
    {
        ArgumentNullException.ThrowIfNull(chip);
        ArgumentNullException.ThrowIfNull(id);
        Validate(pattern);
        var hex = id.Mac?.ToHex() ?? id.Suffix.PadLeft(12, '0');
        var topic = Placeholder().Replace(pattern, m => m.Groups[1].Value switch
        {
            "mac6" => hex[6..].ToLowerInvariant(),
            "mac8" => hex[4..].ToLowerInvariant(),
            "mac12" => hex.ToLowerInvariant(),
            "MAC6" => hex[6..],
            "MAC8" => hex[4..],
            "MAC12" => hex,
            "short" => shortName,
            "chip" => chip.Name.ToLowerInvariant(),
            var other when other.Equals("mac6", StringComparison.OrdinalIgnoreCase) => hex[6..],
            var other when other.Equals("mac8", StringComparison.OrdinalIgnoreCase) => hex[4..],
            var other when other.Equals("mac12", StringComparison.OrdinalIgnoreCase) => hex,
            _ => m.Value,
        });
        CheckTopic(topic);
        return topic;
    }

    /// <summary>A client topic must be non-empty, at most 63 bytes, with no MQTT wildcards, slashes or whitespace.</summary>
    public static void CheckTopic(string topic)
    {
        if (string.IsNullOrEmpty(topic) || Encoding.UTF8.GetByteCount(topic) > MaxBytes
            || topic.Any(c => c is '+' or '#' or '/' || char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new ArgumentException("'" + topic + "' is not a usable MQTT client topic: it must be 1-63 bytes "
                + "without '+', '#', '/' or whitespace.", nameof(topic));
        }
    }
}
