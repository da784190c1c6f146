using System.Net;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ImapProxy.TestSupport;

/// <summary>A self-signed server certificate for localhost / 127.0.0.1, as PEM text for Dovecot (and the relay benchmark's socat).</summary>
public sealed record TestCertificate(X509Certificate2 PublicCertificate, string CertificatePem, string PrivateKeyPem)
{
    public static TestCertificate Create()
    {
        // RSA rather than ECDSA: older command-line clients used in later tests (fetchmail, isync) all speak it.
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

        // Both names, because clients check the one they dialled: isync/fetchmail use DNS names, MailKit here uses the IP.
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1")], false)); // id-kp-serverAuth

        // Backdated a little so a client whose clock is slightly behind still accepts it.
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(30));

        return new TestCertificate(
            X509CertificateLoader.LoadCertificate(certificate.RawData),
            certificate.ExportCertificatePem() + "\n",
            key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    /// <summary>Writes the PEM files; the key readable by its owner only.</summary>
    [SupportedOSPlatform("linux")]
    public void WritePemFiles(string certificateFile, string privateKeyFile)
    {
        File.WriteAllText(certificateFile, CertificatePem);
        File.WriteAllText(privateKeyFile, PrivateKeyPem);
        File.SetUnixFileMode(privateKeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
