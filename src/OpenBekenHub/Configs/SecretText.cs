using System.Text.RegularExpressions;

namespace OpenBekenHub.Configs;

/// <summary>
/// Startup commands and LittleFS scripts can set passwords (<c>Password1 x</c>, <c>MqttPassword x</c>,
/// <c>/cfg_wifi_set?...&amp;pass=x</c>). Such text is masked wherever the hub shows it and encrypted in exports.
/// </summary>
public static partial class SecretText
{
    /// <summary>True when <paramref name="text"/> mentions a password at all (conservative: any "pass").</summary>
    public static bool MayHoldSecret(string? text) => text is not null && text.Contains("pass", StringComparison.OrdinalIgnoreCase);

    /// <summary>Replaces the value after every password keyword with <c>****</c>.</summary>
    public static string Mask(string? text) => text is null ? "" : ValueAfterPassword().Replace(text, "$1****");

    // a word containing "pass" (Password1, MqttPassword, pass=, web_admin_password=), a separator, then the value
    [GeneratedRegex(@"(?i)(\w*pass\w*(?:\s*[=:]\s*|\s+)""?)[^""\s;&]+")]
    private static partial Regex ValueAfterPassword();
}
