using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ImapProxy.Tls;

/// <summary>
/// Decides whether to trust the upstream server's certificate: the system's trust store by default, plus an
/// extra trust anchor when configured (--upstream-ca); everything when the user opted out (--upstream-insecure),
/// in which case the problems are still reported. A host name mismatch is never fixed by an extra anchor.
/// </summary>
public sealed class UpstreamTrust
{
    private readonly X509Certificate2Collection anchors = [];

    public UpstreamTrust(string? caFile, bool insecure)
    {
        Insecure = insecure;
        if (caFile is null) return;
        try
        {
            var text = File.ReadAllText(caFile);
            if (text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)) anchors.ImportFromPem(text);
            else anchors.Add(X509CertificateLoader.LoadCertificateFromFile(caFile));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new InvalidOperationException($"cannot load the upstream CA file {caFile}: {e.Message}", e);
        }
        if (anchors.Count == 0) throw new InvalidOperationException($"no certificate found in the upstream CA file {caFile}");
    }

    public bool Insecure { get; }

    /// <summary>Options for one upstream handshake; <paramref name="report"/> receives the validation problems (null when none).</summary>
    public SslClientAuthenticationOptions ClientOptions(string host, Action<string?> report) => new()
    {
        TargetHost = host,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck, // no CRL/OCSP fetches: the proxy may have no route to them
        RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
        {
            var problems = Problems(certificate, errors);
            report(problems);
            return problems is null || Insecure;
        },
    };

    private string? Problems(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None) return null;
        if (certificate is null) return errors.ToString();
        if (errors == SslPolicyErrors.RemoteCertificateChainErrors && anchors.Count > 0)
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(anchors);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            if (chain.Build(leaf)) return null;
            return $"{errors}: {string.Join(", ", chain.ChainStatus.Select(s => s.Status))}";
        }
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            chain.Build(leaf);
            var statuses = string.Join(", ", chain.ChainStatus.Select(s => s.Status).Distinct());
            return statuses.Length > 0 ? $"{errors}: {statuses}" : errors.ToString();
        }
        return errors.ToString();
    }
}
