using ImapProxy.Recording.Events;

namespace ImapProxy.Capture.Tls;

/// <summary>Words for a failed handshake (a finished one is <see cref="TlsHandshakeReport"/>).</summary>
internal static class HandshakeReport
{
    /// <summary>Words for a client that gave up during our handshake: usually it does not trust the ImapProxy CA.</summary>
    /// <param name="offer">What the client's first bytes said: a ClientHello, or why they were none; null after a finished handshake.</param>
    public static string ClientFailureHint(Exception e, string caPath, TlsClientOffer? offer)
    {
        var why = Innermost(e).Message;
        // Plaintext on the TLS port, an SSL 2.0 hello, a client gone before its hello was whole: the bytes say it.
        if (offer?.Error is { } notAHello) return $"{notAHello} ({why})";
        // The proxy's TLS stack takes TLS 1.2 and 1.3 only (the system's OpenSSL policy): an older client is told why.
        if (offer is { Versions.Count: > 0 } && !offer.Versions.Any(v => v is "TLS 1.2" or "TLS 1.3"))
            return $"the client offered only {string.Join(" and ", offer.Versions)} ({why}): the proxy accepts TLS 1.2 and 1.3; " +
                   "update the client or enable TLS 1.2 in its settings";
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
