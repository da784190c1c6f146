using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Prng;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace ImapProxy.Tls;

/// <summary>Builds the CA and leaf certificates with BouncyCastle. Pure: no files, no clock.</summary>
internal static class CertificateMinter
{
    private const string SignatureAlgorithm = "SHA256WITHECDSA";

    // Backed by the operating system's generator, which is safe to share between threads;
    // leaves are minted concurrently for different names.
    private static readonly SecureRandom Random = new(new CryptoApiRandomGenerator());

    public static AsymmetricCipherKeyPair NewKeyPair()
    {
        var generator = new ECKeyPairGenerator("EC");
        generator.Init(new ECKeyGenerationParameters(SecObjectIdentifiers.SecP256r1, Random));
        return generator.GenerateKeyPair();
    }

    public static BcCertificate CreateCa(AsymmetricCipherKeyPair key, string commonName, DateTime notBefore, DateTime notAfter)
    {
        // Most significant RDN first, so .NET shows "CN=..., O=ImapProxy".
        var name = new X509Name(
            new List<DerObjectIdentifier> { X509Name.O, X509Name.CN },
            new List<string> { "ImapProxy", commonName });

        var generator = NewGenerator(name, name, key.Public, notBefore, notAfter);
        // pathlen 0: this CA signs leaves only, never another CA.
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(0));
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
        generator.AddExtension(X509Extensions.SubjectKeyIdentifier, false,
            X509ExtensionUtilities.CreateSubjectKeyIdentifier(key.Public));
        return generator.Generate(new Asn1SignatureFactory(SignatureAlgorithm, key.Private, Random));
    }

    public static (BcCertificate Certificate, AsymmetricKeyParameter PrivateKey) CreateLeaf(
        IReadOnlyList<ServerName> names, BcCertificate ca, AsymmetricKeyParameter caKey, DateTime notBefore, DateTime notAfter)
    {
        var key = NewKeyPair();
        var subject = new X509Name(
            new List<DerObjectIdentifier> { X509Name.O, X509Name.CN },
            new List<string> { "ImapProxy", names[0].Value });

        var generator = NewGenerator(ca.SubjectDN, subject, key.Public, notBefore, notAfter);
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature));
        generator.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeID.id_kp_serverAuth));
        // Clients match the name against the SAN only (RFC 6125 §6.4.4); the CN is for people.
        var san = names.Select(name => name.Address is { } address
            ? new GeneralName(GeneralName.IPAddress, new DerOctetString(address.GetAddressBytes()))
            : new GeneralName(GeneralName.DnsName, name.Value)).ToArray();
        generator.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(san));
        generator.AddExtension(X509Extensions.SubjectKeyIdentifier, false,
            X509ExtensionUtilities.CreateSubjectKeyIdentifier(key.Public));
        generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false,
            X509ExtensionUtilities.CreateAuthorityKeyIdentifier(ca.GetPublicKey()));

        return (generator.Generate(new Asn1SignatureFactory(SignatureAlgorithm, caKey, Random)), key.Private);
    }

    /// <summary>
    /// Route A of the stack notes: DER certificate + PKCS#8 key into an ephemeral .NET key.
    /// SslStream accepts ephemeral keys on Linux and macOS (Windows SChannel would need a PKCS#12 round trip).
    /// </summary>
    public static X509Certificate2 ToX509Certificate2(BcCertificate certificate, AsymmetricKeyParameter privateKey)
    {
        using var publicOnly = X509CertificateLoader.LoadCertificate(certificate.GetEncoded());
        using var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(PrivateKeyInfoFactory.CreatePrivateKeyInfo(privateKey).GetEncoded(), out _);
        return publicOnly.CopyWithPrivateKey(key);
    }

    /// <summary>True when <paramref name="privateKey"/> is the private half of the certificate's public key.</summary>
    public static bool KeyMatches(BcCertificate certificate, AsymmetricKeyParameter privateKey)
    {
        if (privateKey is not ECPrivateKeyParameters ec || certificate.GetPublicKey() is not ECPublicKeyParameters expected)
            return false;
        var derived = ec.Parameters.G.Multiply(ec.D).Normalize();
        return ec.Parameters.Equals(expected.Parameters) && derived.Equals(expected.Q);
    }

    private static X509V3CertificateGenerator NewGenerator(
        X509Name issuer, X509Name subject, AsymmetricKeyParameter publicKey, DateTime notBefore, DateTime notAfter)
    {
        var generator = new X509V3CertificateGenerator();
        // Random and positive, at most 20 octets (RFC 5280 §4.1.2.2): browsers reject reused serials per issuer.
        generator.SetSerialNumber(new BigInteger(128, Random).Add(BigInteger.One));
        generator.SetIssuerDN(issuer);
        generator.SetSubjectDN(subject);
        generator.SetNotBefore(notBefore);
        generator.SetNotAfter(notAfter);
        generator.SetPublicKey(publicKey);
        return generator;
    }
}
