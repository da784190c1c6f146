using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace ImapProxy.Tls;

/// <summary>
/// The CA's three files. The PEM certificate and the key are the CA; the DER file is a copy for
/// phones, rewritten when missing. Existing files are never overwritten: a CA that clients already
/// trust must not be replaced behind the user's back.
/// </summary>
internal sealed class CaFiles(string directory)
{
    public const string CertificatePemName = "imapproxy-ca.pem";
    public const string CertificateDerName = "imapproxy-ca.cer";
    public const string PrivateKeyName = "imapproxy-ca.key";

    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PublicFile = OwnerOnlyFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public string Directory { get; } = Path.GetFullPath(directory);
    public string CertificatePemPath => Path.Combine(Directory, CertificatePemName);
    public string CertificateDerPath => Path.Combine(Directory, CertificateDerName);
    public string PrivateKeyPath => Path.Combine(Directory, PrivateKeyName);

    /// <summary>True when none of the files exists yet, i.e. this is the first run.</summary>
    public bool AreAbsent() =>
        !File.Exists(CertificatePemPath) && !File.Exists(CertificateDerPath) && !File.Exists(PrivateKeyPath);

    public const string LockName = ".imapproxy-ca.lock";

    /// <summary>
    /// Holds the CA directory for this process: two proxies started at the same moment on one --ca-dir must not
    /// both create a CA (the second would fail on the first's files, or pair its key with the other's certificate).
    /// The lock is the OS's (FileShare.None is an flock on Unix), so it goes with the process, even on kill -9.
    /// </summary>
    public IDisposable Lock(TimeSpan timeout)
    {
        CreateDirectory();
        var path = Path.Combine(Directory, LockName);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
                if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnlyFile;
                return File.Open(path, options);
            }
            catch (IOException e) when (HeldByAnother(e) && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50); // another process is creating or reading the CA: a few milliseconds
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException && !HeldByAnother(e) && !AreAbsent())
            {
                // A read-only CA directory (a read-only mount, a secret volume): the CA is there, it only needs reading.
                return new MemoryStream();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CertificateAuthorityException($"Cannot lock the CA directory {Directory} ({path}): {e.Message}", path, e);
            }
        }
    }

    // Another process holds the lock: on Unix .NET reports flock's EWOULDBLOCK (11), on Windows a sharing violation (32).
    private static bool HeldByAnother(Exception e) => e is IOException && (e.HResult == 11 || (e.HResult & 0xFFFF) == 32);

    public void Write(BcCertificate certificate, AsymmetricKeyParameter privateKey)
    {
        CreateDirectory();

        // The key first: if we stop half-way, the next run reports the missing certificate
        // instead of finding a certificate whose key is gone.
        var pkcs8 = PrivateKeyInfoFactory.CreatePrivateKeyInfo(privateKey).GetEncoded();
        WriteNew(PrivateKeyPath, Pem("PRIVATE KEY", pkcs8), OwnerOnlyFile);
        var der = certificate.GetEncoded();
        WriteNew(CertificatePemPath, Pem("CERTIFICATE", der), PublicFile);
        WriteNew(CertificateDerPath, der, PublicFile);
    }

    public (BcCertificate Certificate, AsymmetricKeyParameter PrivateKey) Read()
    {
        var certificate = ReadCertificate();
        var privateKey = ReadPrivateKey();
        if (!CertificateMinter.KeyMatches(certificate, privateKey))
            throw new CertificateAuthorityException(
                $"The CA private key {PrivateKeyPath} does not match the CA certificate {CertificatePemPath}.", PrivateKeyPath);

        var der = certificate.GetEncoded();
        if (!File.Exists(CertificateDerPath))
            WriteNew(CertificateDerPath, der, PublicFile);
        else if (!File.ReadAllBytes(CertificateDerPath).AsSpan().SequenceEqual(der))
            throw new CertificateAuthorityException(
                $"The CA certificate {CertificateDerPath} differs from {CertificatePemPath}; delete {CertificateDerName} to have it rewritten.",
                CertificateDerPath);
        return (certificate, privateKey);
    }

    private BcCertificate ReadCertificate()
    {
        var der = ReadPem(CertificatePemPath, "CERTIFICATE", "CA certificate");
        BcCertificate certificate;
        try
        {
            certificate = new BcCertificate(der);
        }
        catch (Exception e)
        {
            throw new CertificateAuthorityException(
                $"The CA certificate {CertificatePemPath} cannot be parsed: {e.Message}", CertificatePemPath, e);
        }
        // GetBasicConstraints() is -1 unless the certificate says CA:true.
        if (certificate.GetBasicConstraints() < 0)
            throw new CertificateAuthorityException(
                $"The certificate {CertificatePemPath} is not a CA certificate (BasicConstraints CA:true is missing).",
                CertificatePemPath);
        return certificate;
    }

    private AsymmetricKeyParameter ReadPrivateKey()
    {
        var pkcs8 = ReadPem(PrivateKeyPath, "PRIVATE KEY", "CA private key (PKCS#8)");
        try
        {
            return PrivateKeyFactory.CreateKey(pkcs8);
        }
        catch (Exception e)
        {
            throw new CertificateAuthorityException(
                $"The CA private key {PrivateKeyPath} cannot be parsed as PKCS#8: {e.Message}", PrivateKeyPath, e);
        }
    }

    private static byte[] ReadPem(string path, string label, string what)
    {
        if (!File.Exists(path))
            throw new CertificateAuthorityException(
                $"The {what} {path} is missing, but other CA files exist in {Path.GetDirectoryName(path)}. " +
                "Restore it, or delete the directory to create a new CA (clients must then trust the new one).", path);

        var text = File.ReadAllText(path, Encoding.ASCII);
        if (!PemEncoding.TryFind(text, out var fields) || text[fields.Label] != label)
            throw new CertificateAuthorityException(
                $"The {what} {path} is not a PEM file with a '-----BEGIN {label}-----' block.", path);
        return Convert.FromBase64String(text[fields.Base64Data]);
    }

    private void CreateDirectory()
    {
        if (System.IO.Directory.Exists(Directory)) return;
        if (OperatingSystem.IsWindows())
            System.IO.Directory.CreateDirectory(Directory);
        else
            System.IO.Directory.CreateDirectory(Directory, OwnerOnlyDirectory);
    }

    private static string Pem(string label, byte[] der) => PemEncoding.WriteString(label, der) + "\n";

    private static void WriteNew(string path, string text, UnixFileMode mode) => WriteNew(path, Encoding.ASCII.GetBytes(text), mode);

    private static void WriteNew(string path, byte[] content, UnixFileMode mode)
    {
        // CreateNew: never replace a file; the mode is applied at creation so the key is
        // never readable by others, not even for a moment.
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = mode;
        try
        {
            using var stream = File.Open(path, options);
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        catch (IOException e)
        {
            throw new CertificateAuthorityException($"Cannot create {path}: {e.Message}", path, e);
        }
    }
}
