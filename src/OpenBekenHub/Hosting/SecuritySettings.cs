using System.Net;

namespace OpenBekenHub.Hosting;

/// <summary>
/// <c>Hub:ForwardedHeaders</c>: behind a TLS-terminating reverse proxy, list the proxy's address so the hub
/// believes its X-Forwarded-Proto (cookies become <c>Secure</c>) and X-Forwarded-For (login throttling and logs see
/// the real client). Empty (the default): the headers are ignored, since anyone could send them.
/// </summary>
public sealed class ForwardedHeadersSettings
{
    /// <summary>Proxy addresses, e.g. <c>--Hub:ForwardedHeaders:KnownProxies:0 192.168.1.2</c>.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Proxy networks in CIDR form, e.g. <c>172.18.0.0/16</c> (a Docker network).</summary>
    public List<string> KnownNetworks { get; set; } = [];

    public bool Enabled => KnownProxies.Count > 0 || KnownNetworks.Count > 0;

    public IEnumerable<string> Validate()
    {
        for (var i = 0; i < KnownProxies.Count; i++)
        {
            if (!IPAddress.TryParse(KnownProxies[i], out _))
            {
                yield return $"Hub:ForwardedHeaders:KnownProxies:{i} must be an IP address (got '{KnownProxies[i]}')";
            }
        }
        for (var i = 0; i < KnownNetworks.Count; i++)
        {
            if (!IPNetwork.TryParse(KnownNetworks[i], out _))
            {
                yield return $"Hub:ForwardedHeaders:KnownNetworks:{i} must be a network like 10.0.0.0/8 (got '{KnownNetworks[i]}')";
            }
        }
    }
}

/// <summary>
/// <c>Hub:DataProtection</c>: the keys that encrypt stored Wi-Fi/MQTT passwords and sign login cookies. Without a
/// certificate they are files readable only by the hub's user (0600 in a 0700 directory). With one (a PKCS#12 file
/// kept outside the data directory, e.g. in /etc/obkhub), each key is encrypted with it, so a copy of the data
/// directory alone reveals no secret.
/// </summary>
public sealed class KeyProtectionSettings
{
    public string? CertificatePath { get; set; }

    public string? CertificatePassword { get; set; }

    public IEnumerable<string> Validate()
    {
        if (!string.IsNullOrEmpty(CertificatePassword) && string.IsNullOrEmpty(CertificatePath))
        {
            yield return "Hub:DataProtection:CertificatePassword is set but Hub:DataProtection:CertificatePath is empty";
        }
        if (!string.IsNullOrEmpty(CertificatePath) && !File.Exists(CertificatePath))
        {
            yield return $"Hub:DataProtection:CertificatePath '{CertificatePath}' does not exist";
        }
    }
}
