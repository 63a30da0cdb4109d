using System.Security.Cryptography;
using System.Text;
using OpenBekenHub.Provisioning.Chips;

namespace OpenBekenHub.Provisioning.Identity;

/// <summary>
/// Per-plug identity: an 8-hex-digit suffix (MAC bytes 2..5 as the firmware's defaults use, or random when the MAC
/// is unknown) and the names built from it.
/// </summary>
public sealed record DeviceIdentity(MacAddress? Mac, string Suffix)
{
    /// <summary>From the MAC: suffix = MAC bytes 2..5 in upper-case hex, as in the firmware's <c>obk1A2B3C4D</c>.</summary>
    public static DeviceIdentity FromMac(MacAddress mac) => new(mac, mac.Tail(8));

    /// <summary>No MAC: 8 random upper-case hex digits (cryptographic RNG, so two plugs never share one by accident).</summary>
    public static DeviceIdentity Random() => new(null, Convert.ToHexString(RandomNumberGenerator.GetBytes(4)));

    /// <summary>From the MAC when known, else random.</summary>
    public static DeviceIdentity For(MacAddress? mac) => mac is { IsBlank: false } m ? FromMac(m) : Random();
}

/// <summary>Short and long device names (config 0x2DE / 0x2FE).</summary>
public sealed record DeviceNames(string ShortName, string LongName)
{
    public const int MaxShortNameBytes = 31;
    public const int MaxLongNameBytes = 63;

    /// <summary>The firmware's defaults: <c>obk1A2B3C4D</c> and <c>OpenBK7231N_1A2B3C4D</c>.</summary>
    public static DeviceNames FromMac(ObkChip chip, MacAddress mac) => Default(chip, DeviceIdentity.FromMac(mac));

    public static DeviceNames Default(ObkChip chip, DeviceIdentity id)
    {
        ArgumentNullException.ThrowIfNull(chip);
        ArgumentNullException.ThrowIfNull(id);
        return new DeviceNames("obk" + id.Suffix, chip.LongNamePrefix + "_" + id.Suffix);
    }

    /// <summary>
    /// Names for a plug the user named: the short name (HA's device name, the web title) is the user's name made
    /// safe (whitespace → <c>_</c>, as the firmware's /cfg_name does; cut to 31 bytes); the long name stays the
    /// unique <c>OpenBK7231N_XXXXXXXX</c>, because it is the HA device identifier and unique_id prefix.
    /// Without a name both are the firmware defaults.
    /// </summary>
    public static DeviceNames For(ObkChip chip, DeviceIdentity id, string? userName)
    {
        var d = Default(chip, id);
        return string.IsNullOrWhiteSpace(userName) ? d : d with { ShortName = SanitizeShortName(userName) };
    }

    /// <summary>Whitespace → <c>_</c>, control characters dropped, trimmed to 31 UTF-8 bytes.</summary>
    public static string SanitizeShortName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var sb = new StringBuilder();
        foreach (var c in name.Trim())
        {
            if (char.IsWhiteSpace(c))
            {
                sb.Append('_');
            }
            else if (!char.IsControl(c))
            {
                sb.Append(c);
            }
        }
        return TrimToBytes(sb.ToString(), MaxShortNameBytes);
    }

    internal static string TrimToBytes(string s, int maxBytes)
    {
        while (Encoding.UTF8.GetByteCount(s) > maxBytes)
        {
            s = s[..^1];
            if (s.Length > 0 && char.IsHighSurrogate(s[^1]))
            {
                s = s[..^1];
            }
        }
        return s;
    }
}
