using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace ImapProxy.Tls;

/// <summary>A minted server certificate, ready for SslStream, and when it stops being valid.</summary>
internal sealed record LeafCertificate(X509Certificate2 Certificate, SslStreamCertificateContext Context, DateTimeOffset NotAfter);
