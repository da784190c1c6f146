using System.Net;
using ImapProxy.Capture.Faults;
using ImapProxy.Tls;

namespace ImapProxy.Replay.Server;

/// <summary>How to serve a capture.</summary>
public sealed record ServeOptions
{
    public IPEndPoint Listen { get; init; } = new(IPAddress.Loopback, 2143);

    /// <summary>Implicit TLS from the first byte, with a certificate from the ImapProxy CA.</summary>
    public bool Tls { get; init; }

    /// <summary>Mints the certificate for --tls and for a client's STARTTLS; without it both are refused.</summary>
    public CertificateAuthority? Authority { get; init; }

    /// <summary>Wait as long as the server took before each tagged answer (capped at <see cref="MaxDelay"/>).</summary>
    public bool OriginalTiming { get; init; }

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The clock <see cref="OriginalTiming"/> waits on (tests turn one by hand).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>A client silent this long is disconnected (a served session must not hang forever).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How long a client may take over its TLS handshake, or to take what is sent to it.</summary>
    public TimeSpan IoTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Told of each connection's start and end, one line each (the CLI prints them).</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Fault rules applied to the captured answers as to a live server's (null or empty: played byte-exact).</summary>
    public FaultRuleSet? Faults { get; init; }

    /// <summary>Clients served at once; more are told so and closed.</summary>
    public int MaxConnections { get; init; } = 100;
}
