using System.Globalization;
using ImapProxy.Protocol;
using ImapProxy.Protocol.Diagnostics;
using ImapProxy.Recording.Events;

namespace ImapProxy.Recording;

/// <summary>
/// Session-level events in words, one line each: the one describer that the dashboard's timeline and the
/// transcript export both print. Commands, responses and raw bytes are shown as what was said, not described.
/// </summary>
public static class EventText
{
    /// <summary>The line for <paramref name="e"/>; null for events shown by their bytes (commands, responses, completions, raw).</summary>
    public static string? Describe(SessionEvent e) => e switch
    {
        SessionOpened o => $"session opened from {o.ClientAddress} on the {Word(o.Listener)} listener {o.ListenerAddress}, upstream {o.Upstream}" +
            (o.UpstreamTls is { } tls ? $" ({tls.ToString().ToLowerInvariant()})" : ""),
        SessionClosed c => $"session closed: {Word(c.Reason)} — {c.Detail}; {Count(c.ClientBytes)} bytes from the client, {Count(c.ServerBytes)} from the server",
        TlsHandshake { Succeeded: true } t => $"TLS on the {Word(t.Leg)} leg: {TlsVersion(t.Protocol)} {t.Cipher}" +
            (t.ServerName is { } sni ? $", SNI {sni}" : "") +
            (t.CertificateSubject is { } subject ? $", certificate {subject} by {t.CertificateIssuer}" : "") +
            (t.ValidationErrors is { } errors ? $" — certificate problems: {errors}" + (t.ValidationIgnored ? " (ignored: --upstream-insecure)" : "") : "") +
            Offered(t.ClientHello, t.Leg),
        TlsHandshake t => $"TLS on the {Word(t.Leg)} leg failed: {t.Error}" + Offered(t.ClientHello, t.Leg),
        ProxyAction a => $"proxy {a.Action}: {a.Description}" + (a.Original is { } original ? $" — the server sent: {original}" : "") +
                         (a.Bytes is { } bytes ? $" — {(a.Original is null ? "bytes" : "the client received")}: {bytes}" : ""),
        CaptureIncomplete d => $"capture incomplete: {Count(d.DroppedEvents)} more events dropped because the store fell behind",
        LiteralTruncated { Cause: TruncationCause.StoreBehind } l =>
            $"literal of {Count(l.Length)} bytes at {l.LiteralOffset}: not kept because the store fell behind (the frames were), SHA-256 {l.Sha256}",
        LiteralTruncated l => $"literal of {Count(l.Length)} bytes at {l.LiteralOffset}: the capture kept the first {Count(l.Kept)}, SHA-256 {l.Sha256}",
        UnreadableEvent u => $"a stored event could not be read back: {u.Error}",
        FindingReported f => $"finding, {Word(f.Severity)} {f.Rule}: {f.Message}" + (f.Rfc is { } rfc ? $" ({rfc})" : "")
            + (f.ClientImpact is { } impact ? $" — {impact}" : "") + (f.Evidence.Count > 0 ? $" — see events {string.Join(", ", f.Evidence.Select(s => $"#{s}"))}" : ""),
        FrameParsed { Frame: var frame } => Describe(frame),
        _ => null,
    };

    /// <summary>Frames the parser derived (state and transport changes) and what it could not parse.</summary>
    public static string? Describe(ImapFrame frame) => frame switch
    {
        TransportChangeFrame { Transport: Transport.Tls } t =>
            $"STARTTLS accepted: the {Word(t.Direction)} stream is TLS from byte {t.Offset} (RFC 3501 §6.2.1)",
        TransportChangeFrame t => $"COMPRESS accepted: the {Word(t.Direction)} stream is DEFLATE from byte {t.Offset} (RFC 4978 §3)",
        StateChangeFrame s => "state: " + Word(s.State) + (s.User is { } user ? $" as {user}" : "") + (s.Mailbox is { } mailbox ? $", {mailbox} selected" : "")
            + (s.ReadOnly ? " read-only" : "") + (s.Idle ? ", IDLE" : "") + (s.Tls ? ", TLS" : "") + (s.Compressed ? ", compressed" : ""),
        MalformedFrame m => $"malformed {Word(m.Direction)} bytes: {m.Reason}",
        _ => null,
    };

    public static string Describe(Diagnostic d) =>
        $"{Word(d.Severity)} {d.Rule}: {d.Message}" + (d.Rfc is { } rfc ? $" ({rfc})" : "");

    /// <summary>What a leg's ClientHello offered, as one clause: its versions, suites, SNI, ALPN and JA4.</summary>
    private static string Offered(TlsClientOffer? offer, TlsLeg leg) => offer switch
    {
        null => "",
        { Ja4: null } => $" — no ClientHello read: {offer.Error}",
        _ => $" — the {(leg == TlsLeg.Client ? "client" : "proxy")} offered {string.Join(", ", offer.Versions)} with {Count(offer.CipherSuites.Count)} cipher suites" +
             (offer.ServerName is { } sni ? $", SNI {sni}" : ", no SNI") +
             (offer.Alpn.Count > 0 ? $", ALPN {string.Join(" ", offer.Alpn)}" : "") + $"; JA4 {offer.Ja4}",
    };

    /// <summary>"Tls13" (as .NET names the protocol) as "TLS 1.3"; null as "none".</summary>
    public static string TlsVersion(string? protocol) => protocol switch
    {
        null => "none",
        ['T', 'l', 's', var major, var minor] => $"TLS {major}.{minor}",
        "Tls" => "TLS 1.0",
        _ => protocol,
    };

    private static string Word<T>(T value) where T : struct, Enum =>
        System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString()).Replace('-', ' ');

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
