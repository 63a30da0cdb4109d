using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using OpenBekenHub.Hosting;

namespace OpenBekenHub.Auth;

/// <summary>
/// Where the data-protection keys live and how they are protected at rest: always in a 0700 directory as 0600
/// files; encrypted with a certificate when Hub:DataProtection:CertificatePath names one (kept outside the data
/// directory); with DPAPI on Windows. Linux has no OS key store a service can use without a login session, hence
/// the certificate option.
/// </summary>
internal static class KeyRingProtection
{
    public static void AddHubDataProtection(this IServiceCollection services, HubOptions hub)
    {
        var builder = services.AddDataProtection().SetApplicationName("obkhub");
        services.AddOptions<KeyManagementOptions>().Configure<ILoggerFactory>((o, logs) =>
            o.XmlRepository = new OwnerOnlyXmlRepository(new DirectoryInfo(hub.KeysDirectory), logs));
        if (!string.IsNullOrEmpty(hub.DataProtection.CertificatePath))
        {
            X509Certificate2 certificate;
            try
            {
                certificate = X509CertificateLoader.LoadPkcs12FromFile(hub.DataProtection.CertificatePath, hub.DataProtection.CertificatePassword);
            }
            catch (CryptographicException ex)
            {
                throw new OptionsValidationException("Hub:DataProtection", typeof(KeyProtectionSettings),
                    [$"Hub:DataProtection:CertificatePath '{hub.DataProtection.CertificatePath}' cannot be read as a PKCS#12 certificate with that password ({ex.Message.TrimEnd('.')})"]);
            }
            if (!certificate.HasPrivateKey)
            {
                throw new OptionsValidationException("Hub:DataProtection", typeof(KeyProtectionSettings),
                    ["Hub:DataProtection:CertificatePath must hold the certificate's private key (a .pfx/.p12 file)"]);
            }
            builder.ProtectKeysWithCertificate(certificate);
        }
        else if (OperatingSystem.IsWindows())
        {
            builder.ProtectKeysWithDpapi();
        }
    }

    /// <summary>ASP.NET's file repository, with the directory made 0700 and every key file 0600.</summary>
    private sealed class OwnerOnlyXmlRepository : IXmlRepository
    {
        private readonly DirectoryInfo _directory;
        private readonly FileSystemXmlRepository _inner;

        public OwnerOnlyXmlRepository(DirectoryInfo directory, ILoggerFactory logs)
        {
            _directory = directory;
            _inner = new FileSystemXmlRepository(directory, logs);
        }

        public IReadOnlyCollection<XElement> GetAllElements() => _inner.GetAllElements();

        public void StoreElement(XElement element, string friendlyName)
        {
            // created here, not at construction: a bad data directory must surface as the one-line option error
            DataDirectory.EnsureOwnerOnly(_directory.FullName);
            _inner.StoreElement(element, friendlyName);
            if (!OperatingSystem.IsWindows())
            {
                foreach (var file in _directory.EnumerateFiles("*.xml"))
                {
                    File.SetUnixFileMode(file.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }
            }
        }
    }
}
