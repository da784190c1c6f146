using ImapProxy.Recording.Events;

namespace ImapProxy.Capture.Tls;

/// <summary>Words for a failed handshake (a finished one is <see cref="TlsHandshakeReport"/>).</summary>
internal static class HandshakeReport
{
    /// <summary>Words for a client that gave up during our handshake: usually it does not trust the ImapProxy CA.</summary>
    public static string ClientFailureHint(Exception e, string caPath)
    {
        var why = Innermost(e).Message;
        // A ClientHello with nothing we speak (PSK- or SRP-only suites, SSL 3, TLS 1.0/1.1): not a trust problem.
        if (why.Contains("no shared cipher", StringComparison.OrdinalIgnoreCase) || why.Contains("unsupported protocol", StringComparison.OrdinalIgnoreCase)
            || why.Contains("version too low", StringComparison.OrdinalIgnoreCase))
            return $"the client offered no TLS version or cipher suite the proxy accepts ({why}): it needs TLS 1.2 or 1.3 with certificate-based suites";
        return $"the client ended the TLS handshake ({why}); the client probably does not trust the ImapProxy CA: " +
            $"install {caPath} on the client (see the README), or use --client-tls none";
    }

    public static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }
}
