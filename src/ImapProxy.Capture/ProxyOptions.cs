using System.Net;
using ImapProxy.Recording;
using ImapProxy.Recording.Events;

namespace ImapProxy.Capture;

public sealed record UpstreamEndpoint(string Host, int Port)
{
    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

/// <summary>The proxy's settings, read from configuration and validated at start-up by the executable.</summary>
public sealed record ProxyOptions
{
    public required UpstreamEndpoint Upstream { get; init; }
    public UpstreamTlsMode UpstreamTls { get; init; } = UpstreamTlsMode.Auto;
    public ClientTlsMode ClientTls { get; init; } = ClientTlsMode.Mirror;

    /// <summary>Plaintext listeners (clients may STARTTLS).</summary>
    public required IReadOnlyList<IPEndPoint> Listen { get; init; }

    /// <summary>Implicit-TLS listeners.</summary>
    public required IReadOnlyList<IPEndPoint> ListenTls { get; init; }

    /// <summary>An extra trust anchor for the upstream certificate (PEM or DER file).</summary>
    public string? UpstreamCaFile { get; init; }

    /// <summary>Accept any upstream certificate. Loud: logged and flagged on every session.</summary>
    public bool UpstreamInsecure { get; init; }

    /// <summary>Bytes of each literal body kept in the store; the rest is counted and hashed.</summary>
    public long LiteralCaptureLimit { get; init; } = SessionRecording.DefaultLiteralLimit;

    /// <summary>Whether the relay slows down to the store's pace (the default) or lets message bodies go when the store is behind.</summary>
    public StoreBehindMode StoreBehind { get; init; } = StoreBehindMode.Wait;

    /// <summary>Close a session after this long without a byte in either direction. Null: never (IDLE lasts hours).</summary>
    public TimeSpan? IdleTimeout { get; init; }

    /// <summary>Sessions relayed at once; more are refused with a BYE that says why. Every session opens an upstream
    /// connection before the client says a word (the greeting is the server's), so a flood must stop here.</summary>
    public int MaxSessions { get; init; } = DefaultMaxSessions;

    /// <summary>Sessions relayed at once for one client address.</summary>
    public int MaxSessionsPerClient { get; init; } = DefaultMaxSessionsPerClient;

    public const int DefaultMaxSessions = 10_000;
    public const int DefaultMaxSessionsPerClient = 1_000;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a plaintext upstream may stay silent before the proxy asks whether it speaks TLS instead
    /// (a real IMAP server greets at once; mail clients give up after about 30 s).</summary>
    public TimeSpan GreetingTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The mode in effect once Auto is resolved (RFC 8314: 993 is implicit TLS).</summary>
    public UpstreamTlsMode EffectiveUpstreamTls =>
        UpstreamTls != UpstreamTlsMode.Auto ? UpstreamTls : Upstream.Port == 993 ? UpstreamTlsMode.Implicit : UpstreamTlsMode.StartTls;
}
