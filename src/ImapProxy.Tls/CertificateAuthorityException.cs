namespace ImapProxy.Tls;

/// <summary>
/// The CA directory cannot be used as it is (a file is corrupt, missing or does not match).
/// The proxy stops rather than replace the CA, because clients may already trust the old one.
/// </summary>
public sealed class CertificateAuthorityException(string message, string? path = null, Exception? innerException = null)
    : Exception(message, innerException)
{
    /// <summary>The file or directory at fault, when there is one.</summary>
    public string? Path { get; } = path;
}
