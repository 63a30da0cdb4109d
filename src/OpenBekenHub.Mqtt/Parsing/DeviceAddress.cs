using System.Net;
using System.Net.Sockets;

namespace OpenBekenHub.Mqtt.Parsing;

/// <summary>Which addresses the hub will ever make an HTTP call to: a plug lives on the LAN, so private IPv4 or the loopback only.</summary>
public static class DeviceAddress
{
    /// <summary>True for 10/8, 172.16/12, 192.168/16 and 127/8 (dotted quad only; IPv6, names and public addresses are refused).</summary>
    public static bool IsAllowed(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > 15 || !IPAddress.TryParse(text, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork)
        {
            return false;
        }
        // IPAddress.TryParse also takes "10" or "0x0a.1" forms; insist on the dotted quad the firmware prints
        if (ip.ToString() != text)
        {
            return false;
        }
        var b = ip.GetAddressBytes();
        return b[0] == 10 || b[0] == 127 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168);
    }
}
