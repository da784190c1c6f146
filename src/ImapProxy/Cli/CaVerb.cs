using ImapProxy.Tls;

namespace ImapProxy.Cli;

/// <summary><c>imapproxy ca</c>: where the CA is (created first when there is none), and exports of its certificate.</summary>
internal static class CaVerb
{
    /// <param name="export">Where to write the CA certificate, PEM (or DER with <paramref name="der"/>); null for none.</param>
    public static int Run(string directory, string? export, bool der, TextWriter output, TextWriter error)
    {
        try
        {
            using var ca = CertificateAuthority.LoadOrCreate(directory);
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
