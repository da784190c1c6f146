using System.Text.Json.Serialization;

namespace ImapProxy.Recording.Events;

/// <summary>
/// What a TLS client offered in its ClientHello (RFC 8446 §4.1.2), as read off the wire before the TLS stack saw it:
/// it says which app and TLS stack connected, and why a handshake failed ("the client offered only TLS 1.0").
/// GREASE values (RFC 8701) are left out: they are noise a client adds on purpose, not an offer.
/// </summary>
public sealed record TlsClientOffer
{
    /// <summary>The host name of the server_name extension (RFC 6066 §3), as sent; null without one.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ServerName { get; init; }

    /// <summary>Application protocols offered (RFC 7301), in the client's order.</summary>
    public IReadOnlyList<string> Alpn { get; init; } = [];

    /// <summary>Versions offered ("TLS 1.3"), in the client's order: supported_versions, else the legacy version alone.</summary>
    public IReadOnlyList<string> Versions { get; init; } = [];

    /// <summary>Cipher suites offered, by IANA name ("TLS_AES_128_GCM_SHA256"), or "0x5600" where .NET has no name.</summary>
    public IReadOnlyList<string> CipherSuites { get; init; } = [];

    /// <summary>The JA4 fingerprint (FoxIO) of the ClientHello; null when it could not be read whole.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Ja4 { get; init; }

    /// <summary>The client random in hex: the key of this connection's lines in an SSLKEYLOGFILE.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Random { get; init; }

    /// <summary>Why the bytes the client sent are not a whole ClientHello ("not TLS: the client sent 'a1 LOGIN'").</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Error { get; init; }
}
