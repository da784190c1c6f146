using ImapProxy.Recording;
using ImapProxy.Recording.Events;

namespace ImapProxy.Capture.Relay;

/// <summary>What the relay does when the client sends STARTTLS (RFC 3501 §6.2.1).</summary>
internal enum StartTlsAnswer
{
    /// <summary>Both legs plaintext and mirroring: forward it; the server's answer decides for both legs.</summary>
    Forward,

    /// <summary>The client leg is TLS already: the proxy answers BAD itself.</summary>
    RefuseAlreadyTls,

    /// <summary>Bridging (--client-tls none): the proxy answers NO itself, the client leg stays plaintext.</summary>
    RefuseBridging,

    /// <summary>The upstream leg is TLS already: the proxy answers OK itself and upgrades the client leg only.</summary>
    UpgradeClientOnly,
}

/// <summary>How the upstream leg starts, before any byte is relayed.</summary>
internal enum UpstreamStart
{
    /// <summary>Plaintext; TLS later only if the client's STARTTLS is mirrored.</summary>
    Plain,

    /// <summary>TLS from the first byte (RFC 8314).</summary>
    Implicit,

    /// <summary>The client leg cannot mirror STARTTLS (TLS listener, or bridging): the proxy sends it after the greeting.</summary>
    ProxyStartTls,
}

/// <summary>
/// The STARTTLS decisions of one relayed session, without sockets: fed the facts (the parser's
/// <see cref="FeedResult"/>, finished handshakes) it says what to do, and knows whether an upgrade is under way.
/// The relay carries the decisions out. Both pumps call it; a lock keeps its state whole.
/// </summary>
internal sealed class StartTlsPolicy(ClientTlsMode clientTls)
{
    private readonly object gate = new();
    private bool awaitingServer;
    private bool upgrading;

    public bool ClientLegTls { get; private set; }
    public bool UpstreamLegTls { get; private set; }

    /// <summary>
    /// From the OK to STARTTLS (the server's, or the proxy's own for a client-only upgrade) until the client leg's
    /// handshake is done: nothing may be written to the client. A failed handshake leaves it set; the session ends then.
    /// </summary>
    public bool Upgrading
    {
        get { lock (gate) return upgrading; }
    }

    public UpstreamStart StartFor(UpstreamTlsMode effectiveUpstreamTls, ListenerKind listener) => effectiveUpstreamTls switch
    {
        UpstreamTlsMode.Implicit => UpstreamStart.Implicit,
        UpstreamTlsMode.StartTls when listener == ListenerKind.Tls || clientTls == ClientTlsMode.None => UpstreamStart.ProxyStartTls,
        _ => UpstreamStart.Plain,
    };

    /// <summary>The client sent STARTTLS (<see cref="FeedResult.StartTlsPending"/>).</summary>
    public StartTlsAnswer OnClientStartTls()
    {
        lock (gate)
        {
            if (ClientLegTls) return StartTlsAnswer.RefuseAlreadyTls;
            if (clientTls == ClientTlsMode.None) return StartTlsAnswer.RefuseBridging;
            if (UpstreamLegTls) return StartTlsAnswer.UpgradeClientOnly;
            awaitingServer = true;
            return StartTlsAnswer.Forward;
        }
    }

    /// <summary>
    /// After a server chunk went through the parser: true when the server accepted the forwarded STARTTLS, so both
    /// legs upgrade at <see cref="FeedResult.Consumed"/>; <paramref name="refused"/> when it answered anything else
    /// (the parser says which, under the lock that orders both directions).
    /// </summary>
    public bool OnServerChunk(FeedResult result, out bool refused)
    {
        lock (gate)
        {
            refused = awaitingServer && result.StartTlsRefused;
            if (result.TlsStarted || refused) awaitingServer = false;
            if (result.TlsStarted) upgrading = true;
            return result.TlsStarted;
        }
    }

    /// <summary>The proxy itself is about to upgrade the client leg (<see cref="StartTlsAnswer.UpgradeClientOnly"/>).</summary>
    public void OnClientOnlyUpgradeStarting()
    {
        lock (gate) upgrading = true;
    }

    public void OnClientHandshake()
    {
        lock (gate)
        {
            ClientLegTls = true;
            upgrading = false;
        }
    }

    public void OnUpstreamHandshake()
    {
        lock (gate) UpstreamLegTls = true;
    }
}
