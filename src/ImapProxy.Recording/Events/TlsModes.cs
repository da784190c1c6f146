using System.Text.Json.Serialization;

namespace ImapProxy.Recording.Events;

// The TLS modes are options of the relay and facts of a session (SessionOpened records them), so they live here.

/// <summary>How the proxy talks TLS to the upstream server.</summary>
public enum UpstreamTlsMode
{
    /// <summary>Implicit for port 993, STARTTLS otherwise.</summary>
    Auto,

    /// <summary>TLS from the first byte (RFC 8314).</summary>
    Implicit,

    /// <summary>Plaintext first; upgraded when the client's STARTTLS succeeds, or by the proxy itself right after the
    /// greeting when the client leg cannot mirror it (TLS listener, or --client-tls none).</summary>
    [JsonStringEnumMemberName("starttls")]
    StartTls,

    /// <summary>Plaintext, never upgraded by the proxy (a loopback test server). The client may still STARTTLS through.</summary>
    None,
}

/// <summary>How the proxy talks TLS to the client.</summary>
public enum ClientTlsMode
{
    /// <summary>Mirror the client: TLS on the TLS listener, STARTTLS when the client asks for it.</summary>
    Mirror,

    /// <summary>Bridging: the client speaks plaintext to the proxy whatever the upstream does.</summary>
    None,
}
