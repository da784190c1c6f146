using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using ImapProxy.Recording.Events;

namespace ImapProxy.Capture.Tls;

/// <summary>Describes a finished (or failed) handshake as a <see cref="TlsHandshake"/> event's fields.</summary>
internal static class HandshakeReport
{
    public static TlsHandshake Succeeded(TlsHandshake template, SslStream stream, string? serverName)
    {
        var certificate = Certificate(stream, template.Leg);
        return template with
        {
            Succeeded = true,
            Protocol = stream.SslProtocol.ToString(),
            Cipher = stream.NegotiatedCipherSuite.ToString(),
            ServerName = serverName,
            CertificateSubject = certificate?.Subject,
            CertificateIssuer = certificate?.Issuer,
            CertificateNotAfter = certificate is null ? null : new DateTimeOffset(certificate.NotAfter.ToUniversalTime()),
        };
    }

    /// <summary>The certificate of the side we authenticated: the upstream's, or the one we presented to the client.</summary>
    private static X509Certificate2? Certificate(SslStream stream, TlsLeg leg) =>
        (leg == TlsLeg.Upstream ? stream.RemoteCertificate : stream.LocalCertificate) as X509Certificate2;

    /// <summary>Words for a client that gave up during our handshake: usually it does not trust the ImapProxy CA.</summary>
    public static string ClientFailureHint(Exception e, string caPath)
    {
        var why = Innermost(e).Message;
        // A ClientHello with nothing we speak (PSK- or SRP-only suites, SSL 3, TLS 1.0/1.1): not a trust problem.
        if (why.Contains("no shared cipher", StringComparison.OrdinalIgnoreCase) || why.Contains("unsupported protocol", StringComparison.OrdinalIgnoreCase)
            || why.Contains("version too low", StringComparison.OrdinalIgnoreCase))
            return $"the client offered no TLS version or cipher suite the proxy accepts ({why}): it needs TLS 1.2 or 1.3 with certificate-based suites";
        return $"the client ended the TLS handshake ({why}); the client probably does not trust the ImapProxy CA: " +
            $"install {caPath} on the client (see the README), or use --client-tls none";
    }

    public static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }
}
