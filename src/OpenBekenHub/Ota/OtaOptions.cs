using Microsoft.Extensions.Options;

namespace OpenBekenHub.Ota;

/// <summary>OTA settings, section "Ota"; <c>Hub:PublicUrl</c> is read into <see cref="PublicUrl"/>.</summary>
public sealed class OtaOptions
{
    public const string SectionName = "Ota";

    /// <summary>
    /// Base URL plugs download from (<c>http://192.168.1.10:8080</c>), from <c>Hub:PublicUrl</c>. Empty = the hub's
    /// local address on the interface that routes to each plug, with the port of its HTTP listener.
    /// </summary>
    public string? PublicUrl { get; set; }

    /// <summary>No LWT offline within this time after <c>ota_http</c> = the command never started.</summary>
    public int OfflineWithinSeconds { get; set; } = 15;

    /// <summary>"pull" (the plug runs <c>ota_http</c> against the hub) or "push" (the hub POSTs <c>/api/ota</c>).</summary>
    public string Method { get; set; } = "pull";

    public bool Push => string.Equals(Method, "push", StringComparison.OrdinalIgnoreCase);
}

internal sealed class OtaOptionsValidator : IValidateOptions<OtaOptions>
{
    public ValidateOptionsResult Validate(string? name, OtaOptions options)
    {
        var failures = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.PublicUrl))
        {
            // the firmware speaks plain HTTP to IPv4 only, and keeps the path under 128 bytes (openbeken-ota.md §1)
            if (!Uri.TryCreate(options.PublicUrl, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp
                || uri.HostNameType == UriHostNameType.IPv6 || uri.AbsolutePath.Length > 40 || uri.Query.Length > 0)
            {
                failures.Add($"Hub:PublicUrl must be a plain http:// URL with an IPv4 address or host name and a short path (got '{options.PublicUrl}'); OpenBeken cannot download over HTTPS or IPv6");
            }
        }
        if (options.OfflineWithinSeconds is < 2 or > 120)
        {
            failures.Add("Ota:OfflineWithinSeconds must be 2-120");
        }
        if (options.Method is not ("pull" or "push"))
        {
            failures.Add($"Ota:Method must be 'pull' or 'push' (got '{options.Method}')");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
