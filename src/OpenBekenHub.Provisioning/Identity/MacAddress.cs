using System.Globalization;

namespace OpenBekenHub.Provisioning.Identity;

/// <summary>A 6-byte Wi-Fi MAC address. Text form is lower-case colon-separated, as OpenBeken publishes it on <c>&lt;c&gt;/mac</c>.</summary>
public readonly record struct MacAddress
{
    private readonly ulong _value;

    private MacAddress(ulong value) => _value = value;

    public static MacAddress FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 6)
        {
            throw new ArgumentException("A MAC address has 6 bytes, got " + bytes.Length + ".", nameof(bytes));
        }
        ulong v = 0;
        foreach (var b in bytes)
        {
            v = (v << 8) | b;
        }
        return new MacAddress(v);
    }

    /// <summary>Accepts <c>aa:bb:cc:dd:ee:ff</c>, <c>aa-bb-…</c> or 12 bare hex digits, any case.</summary>
    public static MacAddress Parse(string text)
    {
        if (!TryParse(text, out var mac))
        {
            throw new FormatException("Not a MAC address: '" + text + "' (expected 12 hex digits, e.g. aa:bb:cc:dd:ee:ff).");
        }
        return mac;
    }

    public static bool TryParse(string? text, out MacAddress mac)
    {
        mac = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        var hex = text.Trim().Replace(":", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        if (hex.Length != 12 || !ulong.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v))
        {
            return false;
        }
        mac = new MacAddress(v);
        return true;
    }

    public byte[] ToBytes()
    {
        var b = new byte[6];
        for (var i = 0; i < 6; i++)
        {
            b[i] = (byte)(_value >> (8 * (5 - i)));
        }
        return b;
    }

    /// <summary>All zero or all 0xFF: what an erased or unprogrammed RF sector yields.</summary>
    public bool IsBlank => _value == 0 || _value == 0xFFFF_FFFF_FFFFUL;

    /// <summary>12 hex digits, upper case, no separators.</summary>
    public string ToHex() => _value.ToString("X12", CultureInfo.InvariantCulture);

    /// <summary>The last <paramref name="digits"/> hex digits (upper case), e.g. 6 → the last three bytes.</summary>
    public string Tail(int digits)
    {
        if (digits is < 1 or > 12)
        {
            throw new ArgumentOutOfRangeException(nameof(digits), digits, "1..12 hex digits");
        }
        return ToHex()[(12 - digits)..];
    }

    public override string ToString()
    {
        var h = ToHex().ToLowerInvariant();
        return string.Join(':', Enumerable.Range(0, 6).Select(i => h.Substring(i * 2, 2)));
    }
}
