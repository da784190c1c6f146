using ImapProxy.Recording.Events;

namespace ImapProxy.Replay.Client;

/// <summary>Where and how to send a captured session's commands.</summary>
public sealed record ClientReplayOptions
{
    public required string Host { get; init; }
    public required int Port { get; init; }

    /// <summary>Implicit (TLS from the first byte), STARTTLS or none; Auto (the default) is implicit for port 993, else STARTTLS.</summary>
    public UpstreamTlsMode Tls
    {
        get => tls != UpstreamTlsMode.Auto ? tls : Port == 993 ? UpstreamTlsMode.Implicit : UpstreamTlsMode.StartTls;
        init => tls = value;
    }

    private readonly UpstreamTlsMode tls;

    /// <summary>The mode as users type it (--tls).</summary>
    public string TlsText => Tls.ToString().ToLowerInvariant();

    /// <summary>Extra trust anchor for the server's certificate (PEM or DER), as --upstream-ca.</summary>
    public string? CaFile { get; init; }

    /// <summary>Accept any server certificate; the problems are still reported.</summary>
    public bool Insecure { get; init; }

    /// <summary>Substituted into LOGIN and AUTHENTICATE PLAIN/LOGIN; needed when the session logged in.</summary>
    public Credentials? Credentials { get; init; }

    /// <summary>Send R0001, R0002... instead of the captured tags.</summary>
    public bool NewTags { get; init; }

    public static readonly TimeSpan DefaultIdleMax = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultResponseTimeout = TimeSpan.FromSeconds(30);

    /// <summary>IDLE is held as long as it was captured, at most this long.</summary>
    public TimeSpan IdleMax { get; init; } = DefaultIdleMax;

    /// <summary>
    /// Leave the server as it was: SELECT is sent as EXAMINE (so no FETCH sets \Seen, RFC 3501 §6.3.2) and the
    /// commands that change mailboxes (<see cref="Captured.MailboxChanges"/>) are skipped.
    /// </summary>
    public bool ReadOnly { get; init; }

    /// <summary>Stop after the first command the server answers NO or BAD.</summary>
    public bool StopOnError { get; init; }

    /// <summary>How long to wait for each answer before giving up.</summary>
    public TimeSpan ResponseTimeout { get; init; } = DefaultResponseTimeout;

    /// <summary>Compare every value, also those that differ between two equal servers (UIDs, dates, free text).</summary>
    public bool Strict { get; init; }

    public string Target => $"{Host}:{Port}";

    /// <summary>The options' own mistakes, in words; null when they are usable.</summary>
    public string? Problem() => this switch
    {
        { Port: < 1 or > 65535 } => $"{Port} is not a port number",
        // Timers take at most about 49 days; nobody means more than a day here.
        _ when ResponseTimeout <= TimeSpan.Zero || ResponseTimeout > TimeSpan.FromDays(1) => "--timeout must be more than 0 and at most 1d",
        _ when IdleMax < TimeSpan.Zero || IdleMax > TimeSpan.FromDays(1) => "--idle-max must be at most 1d",
        _ => null,
    };
}
