using ImapProxy.Tls;

namespace ImapProxy.Cli;

/// <summary><c>imapproxy ca</c>: where the CA is (created when missing), and exports of its certificate.</summary>
internal static class CaVerb
{
    public const string Usage = """
        Usage: imapproxy ca [--ca-dir DIR] [--export FILE [--der]]

        Shows where the ImapProxy CA certificate is, creating the CA on first use, and how to trust it.
          --ca-dir DIR     the CA directory (default ./certs)
          --export FILE    write the CA certificate to FILE (PEM; DER with --der, for phones)
        """;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        string directory = "certs";
        string? export = null;
        var der = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--ca-dir" when i + 1 < args.Length: directory = args[++i]; break;
                case "--export" when i + 1 < args.Length: export = args[++i]; break;
                case "--der": der = true; break;
                case "--help" or "-h": output.WriteLine(Usage); return ExitCodes.Ok;
                default:
                    error.WriteLine($"imapproxy ca: unexpected argument {args[i]} (see imapproxy ca --help)");
                    return ExitCodes.Usage;
            }
        }
        try
        {
            using var ca = CertificateAuthority.LoadOrCreate(Path.GetFullPath(directory));
            output.WriteLine(ca.Created ? "Created a new ImapProxy CA." : "ImapProxy CA:");
            output.WriteLine($"  subject      {ca.Certificate.Subject}");
            output.WriteLine($"  valid until  {ca.Certificate.NotAfter:yyyy-MM-dd}");
            output.WriteLine($"  SHA-256      {ca.Certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256)}");
            output.WriteLine($"  certificate  {ca.CertificatePemPath} (PEM)");
            output.WriteLine($"               {ca.CertificateDerPath} (DER, for phones)");
            output.WriteLine($"  private key  {ca.PrivateKeyPath} (owner-only; never share it)");
            output.WriteLine("Install the certificate as a trusted root on the client device; the README explains how for iOS, Android, macOS, Windows and Thunderbird.");
            if (export is not null)
            {
                if (der) File.WriteAllBytes(export, ca.ExportCertificateDer());
                else File.WriteAllText(export, ca.ExportCertificatePem());
                output.WriteLine($"Exported the CA certificate to {Path.GetFullPath(export)}");
            }
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is CertificateAuthorityException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"imapproxy ca: {e.Message}");
            return ExitCodes.Unreadable;
        }
    }
}
