using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ImapProxy.Recording;
using ImapProxy.Tls;

namespace ImapProxy.Capture.Tests.Tls;

public sealed class CertificateAuthorityTests : IDisposable
{
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";

    private readonly TempDirectory _temp = new();
    private readonly ReplayClock _time = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

    public void Dispose() => _temp.Dispose();

    private string CaDirectory => _temp.Combine("ca");

    [Fact]
    public void LoadOrCreate_FirstRun_CreatesFilesWithOwnerOnlyKey()
    {
        using var ca = CertificateAuthority.LoadOrCreate(CaDirectory, _time);

        Assert.True(ca.Created);
        Assert.Equal(Path.Combine(CaDirectory, "imapproxy-ca.pem"), ca.CertificatePemPath);
        Assert.Equal(Path.Combine(CaDirectory, "imapproxy-ca.cer"), ca.CertificateDerPath);
        Assert.Equal(Path.Combine(CaDirectory, "imapproxy-ca.key"), ca.PrivateKeyPath);
        Assert.Equal(ca.ExportCertificatePem(), File.ReadAllText(ca.CertificatePemPath));
        Assert.Equal(ca.ExportCertificateDer(), File.ReadAllBytes(ca.CertificateDerPath));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(ca.PrivateKeyPath));
        if (!OperatingSystem.IsWindows())
        {
            const UnixFileMode ownerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            Assert.Equal(ownerReadWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(CaDirectory));
            Assert.Equal(ownerReadWrite, File.GetUnixFileMode(ca.PrivateKeyPath));
            Assert.Equal(ownerReadWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(ca.CertificatePemPath));
        }
    }

    [Fact]
    public async Task LoadOrCreate_ManyFirstRunsAtOnce_AllGetOneCa()
    {
        // Two proxies started together on a fresh --ca-dir: before the lock, the second failed with
        // "Cannot create …/imapproxy-ca.key: The file … already exists".
        const int starts = 8;
        using var together = new Barrier(starts);
        // Threads of their own: blocked pool threads would make the pool grow one a second.
        var runs = Enumerable.Range(0, starts).Select(_ => Task.Factory.StartNew(() =>
        {
            together.SignalAndWait(TimeSpan.FromSeconds(30));
            using var ca = CertificateAuthority.LoadOrCreate(CaDirectory, _time);
            return (ca.Created, Thumbprint: Convert.ToHexString(SHA256.HashData(ca.ExportCertificateDer())));
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToList();

        var results = await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, results.Count(r => r.Created));
        Assert.Single(results.Select(r => r.Thumbprint).Distinct());
        Assert.Equal(results[0].Thumbprint, Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(CaDirectory, "imapproxy-ca.cer")))));
    }

    [Fact]
    public void LoadOrCreate_SecondRun_LoadsTheSameCa()
    {
        string thumbprint;
        using (var first = CertificateAuthority.LoadOrCreate(CaDirectory, _time))
            thumbprint = first.Certificate.Thumbprint;
        var keyBefore = File.ReadAllBytes(Path.Combine(CaDirectory, "imapproxy-ca.key"));

        using var second = CertificateAuthority.LoadOrCreate(CaDirectory, _time);

        Assert.False(second.Created);
        Assert.Equal(thumbprint, second.Certificate.Thumbprint);
        Assert.Equal(keyBefore, File.ReadAllBytes(second.PrivateKeyPath));
    }

    [Fact]
    public void LoadOrCreate_NewCa_HasCaExtensionsAndTenYearValidity()
    {
        using var ca = CertificateAuthority.LoadOrCreate(CaDirectory, _time);
        var cert = ca.Certificate;

        Assert.Equal($"CN=ImapProxy CA ({Environment.MachineName}), O=ImapProxy", cert.Subject);
        Assert.Equal(cert.Subject, cert.Issuer);
        Assert.Equal("1.2.840.10045.2.1", cert.PublicKey.Oid.Value); // id-ecPublicKey
        using (var key = cert.GetECDsaPublicKey()!)
            Assert.Equal(256, key.KeySize);
        var basic = cert.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.True(basic.Critical);
        Assert.True(basic.CertificateAuthority);
        Assert.True(basic.HasPathLengthConstraint);
        Assert.Equal(0, basic.PathLengthConstraint);
        var usage = cert.Extensions.OfType<X509KeyUsageExtension>().Single();
        Assert.True(usage.Critical);
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, usage.KeyUsages);
        Assert.Single(cert.Extensions.OfType<X509SubjectKeyIdentifierExtension>());
        var now = _time.GetUtcNow();
        Assert.Equal(now.AddHours(-1), new DateTimeOffset(cert.NotBefore.ToUniversalTime()));
        Assert.InRange(cert.NotAfter.ToUniversalTime(), now.AddYears(10).AddDays(-2).UtcDateTime, now.AddYears(10).AddDays(2).UtcDateTime);
    }

    [Theory]
    [InlineData("not a key at all")]
    [InlineData("-----BEGIN PRIVATE KEY-----\nAAECAwQFBgcICQ==\n-----END PRIVATE KEY-----\n")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAECAwQFBgcICQ==\n-----END CERTIFICATE-----\n")]
    public void LoadOrCreate_CorruptKey_ThrowsNamingTheKeyFile(string keyFileContent)
    {
        CertificateAuthority.LoadOrCreate(CaDirectory, _time).Dispose();
        var keyPath = Path.Combine(CaDirectory, "imapproxy-ca.key");
        File.WriteAllText(keyPath, keyFileContent);

        var error = Assert.Throws<CertificateAuthorityException>(() => CertificateAuthority.LoadOrCreate(CaDirectory, _time));

        Assert.Equal(keyPath, error.Path);
        Assert.Contains(keyPath, error.Message);
        Assert.Equal(keyFileContent, File.ReadAllText(keyPath)); // not overwritten
    }

    [Fact]
    public void LoadOrCreate_KeyOfAnotherCa_ThrowsMismatch()
    {
        CertificateAuthority.LoadOrCreate(CaDirectory, _time).Dispose();
        CertificateAuthority.LoadOrCreate(_temp.Combine("other"), _time).Dispose();
        File.Copy(_temp.Combine("other", "imapproxy-ca.key"), Path.Combine(CaDirectory, "imapproxy-ca.key"), overwrite: true);

        var error = Assert.Throws<CertificateAuthorityException>(() => CertificateAuthority.LoadOrCreate(CaDirectory, _time));

        Assert.Contains("does not match", error.Message);
        Assert.Contains(Path.Combine(CaDirectory, "imapproxy-ca.key"), error.Message);
    }

    [Fact]
    public void LoadOrCreate_CorruptCertificate_ThrowsNamingTheCertificateFile()
    {
        CertificateAuthority.LoadOrCreate(CaDirectory, _time).Dispose();
        var pemPath = Path.Combine(CaDirectory, "imapproxy-ca.pem");
        File.WriteAllText(pemPath, "-----BEGIN CERTIFICATE-----\nAAECAwQFBgcICQ==\n-----END CERTIFICATE-----\n");

        var error = Assert.Throws<CertificateAuthorityException>(() => CertificateAuthority.LoadOrCreate(CaDirectory, _time));

        Assert.Equal(pemPath, error.Path);
        Assert.Contains(pemPath, error.Message);
    }

    [Fact]
    public void LoadOrCreate_CertificateMissingButKeyPresent_ThrowsInsteadOfCreating()
    {
        CertificateAuthority.LoadOrCreate(CaDirectory, _time).Dispose();
        var pemPath = Path.Combine(CaDirectory, "imapproxy-ca.pem");
        File.Delete(pemPath);

        var error = Assert.Throws<CertificateAuthorityException>(() => CertificateAuthority.LoadOrCreate(CaDirectory, _time));

        Assert.Contains(pemPath, error.Message);
        Assert.False(File.Exists(pemPath));
    }

    [Fact]
    public void LoadOrCreate_DerFileMissing_RewritesIt()
    {
        byte[] der;
        using (var ca = CertificateAuthority.LoadOrCreate(CaDirectory, _time))
            der = ca.ExportCertificateDer();
        File.Delete(Path.Combine(CaDirectory, "imapproxy-ca.cer"));

        using var again = CertificateAuthority.LoadOrCreate(CaDirectory, _time);

        Assert.Equal(der, File.ReadAllBytes(again.CertificateDerPath));
    }

    [Fact]
    public void LoadOrCreate_ExpiredCa_Throws()
    {
        CertificateAuthority.LoadOrCreate(CaDirectory, _time).Dispose();
        _time.Advance(TimeSpan.FromDays(3660));

        var error = Assert.Throws<CertificateAuthorityException>(() => CertificateAuthority.LoadOrCreate(CaDirectory, _time));

        Assert.Contains("expired", error.Message);
    }

    [Theory]
    [InlineData("imap.example.com", "imap.example.com")]
    [InlineData("IMAP.Example.COM.", "imap.example.com")]
    [InlineData("localhost", "localhost")]
    public void GetServerCertificate_HostName_ChainsToCaWithDnsSan(string requested, string expectedName)
    {
        using var ca = CertificateAuthority.LoadOrCreate(CaDirectory, _time);

        var leaf = ca.GetServerCertificate(requested);

        AssertServerLeaf(ca, leaf, expectedName);
        var san = leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal([expectedName], san.EnumerateDnsNames());
        Assert.Empty(san.EnumerateIPAddresses());
    }

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("::1", "::1")]
    [InlineData("[::1]", "::1")]
    public void GetServerCertificate_IpAddress_ChainsToCaWithIpSan(string requested, string expectedName)
    {
        using var ca = CertificateAuthority.LoadOrCreate(CaDirectory, _time);

        var leaf = ca.GetServerCertificate(requested);

        AssertServerLeaf(ca, leaf, expectedName);
        var san = leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal([IPAddress.Parse(expectedName)], san.EnumerateIPAddresses());
        Assert.Empty(san.EnumerateDnsNames());
    }

    [Theory]
    [InlineData("")]
    [InlineData("bad name")]
    [InlineData("a..b")]
    [InlineData("evil,O=Someone")]
    [InlineData("-leading.example.com")]
    public void GetServerCertificate_InvalidName_ThrowsArgumentException(string name)
    {
        using var ca = CertificateAuthority.LoadOrCreate(CaDirectory, _time);

        Assert.Throws<ArgumentException>(() => ca.GetServerCertificate(name));
        Assert.Equal(0, ca.CachedLeafCount);
    }

    [Fact]
    public void GetServerCertificate_SameNameInAnyCase_ReturnsTheCachedCertificate()
    {
        using var ca = CertificateAuthority.LoadOrCreate(CaDirectory, _time);

        var first = ca.GetServerCertificate("imap.example.com");
        _time.Advance(TimeSpan.FromDays(28));
        var second = ca.GetServerCertificate("IMAP.EXAMPLE.COM");

        Assert.Same(first, second);
        Assert.Same(ca.GetServerContext("imap.example.com").TargetCertificate, first);
        Assert.Equal(1, ca.CachedLeafCount);
    }

    [Fact]
    public void GetServerCertificate_WithinADayOfExpiry_MintsANewCertificate()
    {
        using var ca = CertificateAuthority.LoadOrCreate(CaDirectory, _time);
        var first = ca.GetServerCertificate("imap.example.com");

        _time.Advance(TimeSpan.FromDays(29) + TimeSpan.FromSeconds(1));
        var renewed = ca.GetServerCertificate("imap.example.com");

        Assert.NotSame(first, renewed);
        Assert.NotEqual(first.SerialNumber, renewed.SerialNumber);
        Assert.Equal(_time.GetUtcNow().AddDays(30).UtcDateTime, renewed.NotAfter.ToUniversalTime());
        Assert.Equal(1, ca.CachedLeafCount);
    }

    [Fact]
    public async Task GetServerCertificate_ConcurrentRequests_ShareOneCertificate()
    {
        using var ca = CertificateAuthority.LoadOrCreate(CaDirectory, _time);
        // Dedicated threads (LongRunning): eight pool threads blocked on the barrier would starve a 2-core pool.
        using var start = new Barrier(8);

        var leaves = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait(TimeSpan.FromSeconds(10));
            return ca.GetServerCertificate("imap.example.com");
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.All(leaves, leaf => Assert.Same(leaves[0], leaf));
    }

    [Fact]
    public void GetServerCertificate_CaNearExpiry_LeafEndsWithTheCa()
    {
        CertificateAuthority.LoadOrCreate(CaDirectory, _time).Dispose();
        _time.Advance(TimeSpan.FromDays(3652 - 10));
        using var ca = CertificateAuthority.LoadOrCreate(CaDirectory, _time);

        var leaf = ca.GetServerCertificate("imap.example.com");

        Assert.Equal(ca.Certificate.NotAfter, leaf.NotAfter);
    }

    [Fact]
    public void CertificateFiles_ReadByOpenSsl_AreOneCaNamedForThisMachine()
    {
        using var ca = CertificateAuthority.LoadOrCreate(CaDirectory, _time);

        // What a user's `openssl x509` says of the files they install: read by OpenSSL, not by our own code.
        var notBefore = _time.GetUtcNow().AddHours(-1);
        var expected = string.Join("\n",
            $"subject=CN=ImapProxy CA ({Environment.MachineName}),O=ImapProxy",
            $"issuer=CN=ImapProxy CA ({Environment.MachineName}),O=ImapProxy",
            string.Create(CultureInfo.InvariantCulture, $"notBefore={notBefore:MMM} {notBefore.Day,2} {notBefore:HH:mm:ss yyyy} GMT"),
            "X509v3 Basic Constraints: critical",
            "    CA:TRUE, pathlen:0",
            "X509v3 Key Usage: critical",
            "    Certificate Sign, CRL Sign");
        string[] fields = ["-noout", "-nameopt", "RFC2253", "-subject", "-issuer", "-startdate", "-ext", "basicConstraints,keyUsage"];
        Assert.Equal(expected, OpenSsl(["x509", "-in", ca.CertificatePemPath, .. fields]));
        Assert.Equal(expected, OpenSsl(["x509", "-inform", "DER", "-in", ca.CertificateDerPath, .. fields]));
        // The PEM (computers) and the DER (phones) are one certificate, not two alike.
        Assert.Equal(OpenSsl(["x509", "-in", ca.CertificatePemPath, "-noout", "-fingerprint", "-sha256"]),
            OpenSsl(["x509", "-inform", "DER", "-in", ca.CertificateDerPath, "-noout", "-fingerprint", "-sha256"]));
    }

    [Fact]
    public void Dispose_ThenMint_ThrowsObjectDisposed()
    {
        var ca = CertificateAuthority.LoadOrCreate(CaDirectory, _time);
        ca.Dispose();

        Assert.Throws<ObjectDisposedException>(() => ca.GetServerCertificate("imap.example.com"));
    }

    /// <summary>Runs the openssl command line (a prerequisite of the tests); its output, trimmed, with LF line ends.</summary>
    private static string OpenSsl(string[] arguments)
    {
        var start = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "openssl did not finish");
        Assert.True(process.ExitCode == 0, error.Result);
        return output.Replace("\r\n", "\n").Trim();
    }

    private void AssertServerLeaf(CertificateAuthority ca, X509Certificate2 leaf, string name)
    {
        Assert.True(leaf.HasPrivateKey);
        Assert.Equal(name, leaf.GetNameInfo(X509NameType.SimpleName, forIssuer: false));
        Assert.Equal(ca.Certificate.Subject, leaf.Issuer);
        using (var key = leaf.GetECDsaPrivateKey()!)
            Assert.Equal(256, key.KeySize);

        var now = _time.GetUtcNow();
        Assert.Equal(now.AddHours(-1).UtcDateTime, leaf.NotBefore.ToUniversalTime());
        Assert.Equal(now.AddDays(30).UtcDateTime, leaf.NotAfter.ToUniversalTime());

        var basic = leaf.Extensions.OfType<X509BasicConstraintsExtension>().Single();
        Assert.False(basic.CertificateAuthority);
        var usage = leaf.Extensions.OfType<X509KeyUsageExtension>().Single();
        Assert.True(usage.Critical);
        Assert.Equal(X509KeyUsageFlags.DigitalSignature, usage.KeyUsages);
        var eku = leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single();
        Assert.Equal([ServerAuthOid], eku.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value));
        var aki = leaf.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().Single();
        var caSki = ca.Certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single();
        Assert.Equal(caSki.SubjectKeyIdentifierBytes.ToArray(), aki.KeyIdentifier!.Value.ToArray());
        Assert.Single(leaf.Extensions.OfType<X509SubjectKeyIdentifierExtension>());

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca.Certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ServerAuthOid));
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        Assert.True(chain.Build(leaf), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.Equal(2, chain.ChainElements.Count);
        Assert.Equal(ca.Certificate.Thumbprint, chain.ChainElements[1].Certificate.Thumbprint);
    }
}
