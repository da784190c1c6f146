using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace ImapProxy.Tls;

/// <summary>
/// The proxy's local certificate authority: loaded from (or created once in) a directory, it mints
/// short-lived server certificates for the names clients ask for. Thread-safe.
/// </summary>
public sealed class CertificateAuthority : IDisposable
{
    public const int LeafCacheCapacity = 1_000;

    internal static readonly TimeSpan CaLifetime = TimeSpan.FromDays(3652);
    // Apple rejects server certificates valid for more than 398 days; a month keeps us far below.
    internal static readonly TimeSpan LeafLifetime = TimeSpan.FromDays(30);
    // Backdating covers clients whose clocks run a little behind ours.
    internal static readonly TimeSpan ClockSkew = TimeSpan.FromHours(1);
    internal static readonly TimeSpan RenewBefore = TimeSpan.FromDays(1);

    private readonly BcCertificate _caCertificate;
    private readonly AsymmetricKeyParameter _caKey;
    private readonly CaFiles _files;
    private readonly TimeProvider _time;
    private readonly LruCache<LeafCertificate> _leaves;
    private volatile bool _disposed;

    private CertificateAuthority(CaFiles files, BcCertificate caCertificate, AsymmetricKeyParameter caKey, TimeProvider time, bool created)
    {
        _files = files;
        _caCertificate = caCertificate;
        _caKey = caKey;
        _time = time;
        Created = created;
        Certificate = X509CertificateLoader.LoadCertificate(caCertificate.GetEncoded());
        _leaves = new LruCache<LeafCertificate>(LeafCacheCapacity, leaf => _time.GetUtcNow() >= leaf.NotAfter - RenewBefore);
    }

    /// <summary>The CA certificate (public part only).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>True when this call created the CA: clients must be told to trust it.</summary>
    public bool Created { get; }

    public string CertificatePemPath => _files.CertificatePemPath;
    public string CertificateDerPath => _files.CertificateDerPath;
    public string PrivateKeyPath => _files.PrivateKeyPath;

    /// <summary>
    /// Loads the CA from <paramref name="directory"/>, or creates it there when none of its files exist.
    /// Throws <see cref="CertificateAuthorityException"/> naming the file when the CA is unusable.
    /// </summary>
    public static CertificateAuthority LoadOrCreate(string directory, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        time ??= TimeProvider.System;
        var files = new CaFiles(directory);
        using var held = files.Lock(TimeSpan.FromSeconds(30));

        if (files.AreAbsent())
        {
            var now = WholeSeconds(time.GetUtcNow());
            var key = CertificateMinter.NewKeyPair();
            var certificate = CertificateMinter.CreateCa(key, $"ImapProxy CA ({Environment.MachineName})",
                (now - ClockSkew).UtcDateTime, (now + CaLifetime).UtcDateTime);
            files.Write(certificate, key.Private);
            return new CertificateAuthority(files, certificate, key.Private, time, created: true);
        }

        var (caCertificate, caKey) = files.Read();
        if (time.GetUtcNow().UtcDateTime > caCertificate.NotAfter.ToUniversalTime())
            throw new CertificateAuthorityException(
                $"The CA certificate {files.CertificatePemPath} expired on {caCertificate.NotAfter:u}. " +
                "Delete the directory to create a new CA (clients must then trust the new one).", files.CertificatePemPath);
        return new CertificateAuthority(files, caCertificate, caKey, time, created: false);
    }

    /// <summary>The server certificate and its chain for a host name (the client's SNI) or an IP address.</summary>
    public SslStreamCertificateContext GetServerContext(string hostOrIp) => GetLeaf(hostOrIp).Context;

    /// <summary>A leaf valid for several names at once, e.g. the upstream host and the address a client dialled
    /// without SNI: clients that send no SNI connected by IP address and check that address.</summary>
    public SslStreamCertificateContext GetServerContext(IReadOnlyList<string> hostsOrIps) => GetLeaf(hostsOrIps).Context;

    /// <summary>
    /// The leaf for one accepted connection: for the name the client asked for (SNI), else for the fallback name
    /// and the local address the client dialled, which clients without SNI check instead.
    /// </summary>
    public SslStreamCertificateContext GetServerContext(string? serverName, IPAddress? dialled, string fallbackName)
    {
        if (dialled?.IsIPv4MappedToIPv6 == true) dialled = dialled.MapToIPv4();
        try
        {
            if (!string.IsNullOrEmpty(serverName)) return GetServerContext(serverName);
        }
        catch (ArgumentException)
        {
            // Not a usable host name (the SNI comes from the network): fall back as if none was sent.
        }
        return GetServerContext(dialled is null ? [fallbackName] : [fallbackName, dialled.ToString()]);
    }

    /// <summary>The server certificate, with its private key, for a host name or an IP address.</summary>
    public X509Certificate2 GetServerCertificate(string hostOrIp) => GetLeaf(hostOrIp).Certificate;

    /// <summary>The CA certificate in DER form (what phones import).</summary>
    public byte[] ExportCertificateDer() => Certificate.RawDataMemory.ToArray();

    /// <summary>The CA certificate as PEM text, identical to the file's content.</summary>
    public string ExportCertificatePem() => Certificate.ExportCertificatePem() + "\n";

    /// <summary>Leaves currently cached (for diagnostics and tests).</summary>
    internal int CachedLeafCount => _leaves.Count;

    public void Dispose()
    {
        _disposed = true;
        // Cached leaves are dropped but not disposed: a handshake in progress may still be using one.
        _leaves.Clear();
        Certificate.Dispose();
    }

    private LeafCertificate GetLeaf(string hostOrIp) => GetLeaf([hostOrIp]);

    private LeafCertificate GetLeaf(IReadOnlyList<string> hostsOrIps)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var names = hostsOrIps.Select(ServerName.Parse).DistinctBy(n => n.Value).ToArray();
        if (names.Length == 0) throw new ArgumentException("at least one name is needed", nameof(hostsOrIps));
        return _leaves.GetOrAdd(string.Join(' ', names.Select(n => n.Value)), _ => Mint(names));
    }

    private LeafCertificate Mint(IReadOnlyList<ServerName> names)
    {
        var now = WholeSeconds(_time.GetUtcNow());
        // A leaf must not outlive the CA that signs it.
        var caNotAfter = new DateTimeOffset(_caCertificate.NotAfter.ToUniversalTime());
        var notAfter = now + LeafLifetime < caNotAfter ? now + LeafLifetime : caNotAfter;

        var (leaf, leafKey) = CertificateMinter.CreateLeaf(names, _caCertificate, _caKey, (now - ClockSkew).UtcDateTime, notAfter.UtcDateTime);
        var certificate = CertificateMinter.ToX509Certificate2(leaf, leafKey);
        // The CA goes along in the handshake so clients that were given only the CA can build the chain;
        // offline: never fetch intermediates or OCSP responses for a certificate we made ourselves.
        var context = SslStreamCertificateContext.Create(certificate, new X509Certificate2Collection(Certificate), offline: true);
        return new LeafCertificate(certificate, context, notAfter);
    }

    // X.509 validity has one-second resolution; rounding here keeps NotAfter equal to what is encoded.
    private static DateTimeOffset WholeSeconds(DateTimeOffset t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, t.Offset);
}
