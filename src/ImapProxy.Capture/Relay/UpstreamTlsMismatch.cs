using ImapProxy.Protocol;

namespace ImapProxy.Capture.Relay;

/// <summary>
/// The two ways --upstream-tls can be wrong about the server, judged from its first bytes, without sockets.
/// An IMAP server speaks first in plaintext (RFC 9051 §7.1: the greeting); an implicit-TLS server (RFC 8314) says
/// nothing until the client's ClientHello, and answers anything else with a TLS record.
/// </summary>
internal static class UpstreamTlsMismatch
{
    public const string SpeaksTls = "the server speaks TLS from the first byte: use --upstream-tls implicit";

    /// <summary>A TLS record header: content type change_cipher_spec, alert, handshake or application_data (RFC 8446 §5.1), then major version 3.</summary>
    public static bool IsTlsRecord(ReadOnlySpan<byte> first) =>
        first.Length > 0 && first[0] is >= 0x14 and <= 0x17 && (first.Length == 1 || first[1] == 0x03);

    /// <summary>An untagged status response, the shape of every greeting (OK, PREAUTH or BYE).</summary>
    public static bool IsImapGreeting(ReadOnlySpan<byte> first) => first.StartsWith("* "u8);

    /// <summary>What to say when a TLS handshake met a plaintext greeting; the greeting is the server's, so escaped and cut short.</summary>
    public static string SpeaksPlaintext(ReadOnlySpan<byte> greeting)
    {
        var lf = greeting.IndexOf((byte)'\n');
        var line = lf < 0 ? greeting : greeting[..lf];
        if (line.EndsWith("\r"u8)) line = line[..^1];
        return $"the server speaks plaintext IMAP from the first byte (it greeted \"{ByteText.Escape(line, 80)}\"): use --upstream-tls starttls or none";
    }
}
