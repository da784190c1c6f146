using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace ImapProxy.Recording.Events;

/// <summary>A finished handshake as a <see cref="TlsHandshake"/> event's fields, for whoever records one: the relay, a replay, a served capture.</summary>
public static class TlsHandshakeReport
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

    /// <summary>The certificate of the side that was authenticated: the upstream's, or the one presented to the client.</summary>
    private static X509Certificate2? Certificate(SslStream stream, TlsLeg leg) =>
        (leg == TlsLeg.Upstream ? stream.RemoteCertificate : stream.LocalCertificate) as X509Certificate2;
}
