using System.Text.Json.Serialization;
using ImapProxy.Protocol;
using ImapProxy.Protocol.Diagnostics;

namespace ImapProxy.Recording.Events;

/// <summary>Who produced the bytes or the fact an event describes.</summary>
public enum EventSource
{
    Client,
    Server,

    /// <summary>The proxy itself: bytes it generated or altered, its own decisions (TLS, limits).</summary>
    Proxy,
}

/// <summary>
/// Something that happened in one session. Events of a session form one stream, numbered by <see cref="Sequence"/>
/// from 1 without gaps (until capture is incomplete). Lifecycle guarantee: every session starts with exactly one
/// <see cref="SessionOpened"/> and ends with exactly one <see cref="SessionClosed"/>.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(SessionOpened), "session-opened")]
[JsonDerivedType(typeof(SessionClosed), "session-closed")]
[JsonDerivedType(typeof(TlsHandshake), "tls-handshake")]
[JsonDerivedType(typeof(FrameParsed), "frame")]
[JsonDerivedType(typeof(CommandCompleted), "command-completed")]
[JsonDerivedType(typeof(ProxyAction), "proxy-action")]
[JsonDerivedType(typeof(CaptureIncomplete), "capture-incomplete")]
[JsonDerivedType(typeof(RawBytes), "raw")]
[JsonDerivedType(typeof(LiteralTruncated), "literal-truncated")]
[JsonDerivedType(typeof(FindingReported), "finding")]
[JsonDerivedType(typeof(UnreadableEvent), "unreadable")]
public abstract record SessionEvent
{
    // Session id, sequence and times are stamped by the session's SessionRecording when it publishes the event.
    [JsonPropertyOrder(-5)] public long SessionId { get; init; }

    /// <summary>1, 2, 3... per session in publication order; 0 for <see cref="RawBytes"/>, which are stored apart.</summary>
    [JsonPropertyOrder(-4)] public long Sequence { get; init; }

    /// <summary>Wall-clock time the event was observed.</summary>
    [JsonPropertyOrder(-3)] public DateTimeOffset Time { get; init; }

    /// <summary>Monotonic time since the session opened, for latencies that wall-clock jumps must not distort.</summary>
    [JsonPropertyOrder(-2)] public TimeSpan Elapsed { get; init; }

    [JsonPropertyOrder(-1)] public required EventSource Source { get; init; }

    /// <summary>
    /// Sets <see cref="SessionId"/>, <see cref="Sequence"/>, <see cref="Time"/> and <see cref="Elapsed"/> in one
    /// initializer: a recording stamps the events it creates itself so, without copying them (a NOOP round trip
    /// makes five).
    /// </summary>
    [JsonIgnore]
    public EventStamp Stamp
    {
        init => (SessionId, Sequence, Time, Elapsed) = (value.SessionId, value.Sequence, value.Time, value.Elapsed);
    }

    /// <summary>Byte offset in the source direction's plaintext stream, when the event is tied to one.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Offset { get; init; }
}

/// <summary>Where and when an event belongs in its session (<see cref="SessionEvent.Stamp"/>).</summary>
public readonly record struct EventStamp(long SessionId, long Sequence, DateTimeOffset Time, TimeSpan Elapsed);

public enum ListenerKind
{
    /// <summary>Plaintext listener; the client may upgrade with STARTTLS.</summary>
    Plain,

    /// <summary>Implicit TLS from the first byte (RFC 8314).</summary>
    Tls,
}

public sealed record SessionOpened : SessionEvent
{
    public required string ClientAddress { get; init; }
    public required string ListenerAddress { get; init; }
    public required ListenerKind Listener { get; init; }
    public required string Upstream { get; init; }
    /// <summary>The upstream leg's TLS as resolved for this session; null where it is not known (a rawlog import).</summary>
    [JsonConverter(typeof(RecordedTlsModeConverter<UpstreamTlsMode>))]
    public UpstreamTlsMode? UpstreamTls { get; init; }

    /// <summary>The client leg's TLS mode; null where it is not known (a rawlog import).</summary>
    [JsonConverter(typeof(RecordedTlsModeConverter<ClientTlsMode>))]
    public ClientTlsMode? ClientTls { get; init; }

    /// <summary>The user opted out of upstream certificate validation (--upstream-insecure).</summary>
    public bool UpstreamInsecure { get; init; }

    /// <summary>
    /// The proxy that relayed the session, on an opening read back from a store other proxies share (their live
    /// sessions on this proxy's dashboard); null on a process's own openings, which its <c>--instance</c> names.
    /// </summary>
    public string? Instance { get; init; }
}

public enum CloseReason
{
    ClientClosed,
    ServerClosed,
    ClientReset,
    ServerReset,
    ClientTlsFailed,
    UpstreamTlsFailed,

    /// <summary>--upstream-tls does not match the server: it speaks TLS from the first byte, or plaintext where TLS was expected.</summary>
    UpstreamTlsMismatch,
    UpstreamUnreachable,
    IdleTimeout,
    ProxyShutdown,
    ProxyError,

    /// <summary>Closed by the next proxy to start: the one that relayed it stopped without closing it (a crash, kill -9).</summary>
    ProxyStopped,

    /// <summary>A recording (a rawlog, a file) ended: not a peer's doing, so nothing is concluded from how it ended.</summary>
    EndOfRecording,

    /// <summary>The proxy cut the connection because a fault rule said so (--fault).</summary>
    Fault,
}

public sealed record SessionClosed : SessionEvent
{
    public required CloseReason Reason { get; init; }
    public required string Detail { get; init; }
    public required long ClientBytes { get; init; }
    public required long ServerBytes { get; init; }
}

public enum TlsLeg
{
    /// <summary>Between the client and the proxy (the proxy presents a certificate minted by its CA).</summary>
    Client,

    /// <summary>Between the proxy and the upstream server.</summary>
    Upstream,
}

/// <summary>A TLS handshake on one leg, successful or not, with what was negotiated and why it failed.</summary>
public sealed record TlsHandshake : SessionEvent
{
    public required TlsLeg Leg { get; init; }
    public required bool Succeeded { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Protocol { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Cipher { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ServerName { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? CertificateSubject { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? CertificateIssuer { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public DateTimeOffset? CertificateNotAfter { get; init; }

    /// <summary>Certificate validation problems (upstream leg), e.g. "RemoteCertificateChainErrors: UntrustedRoot".</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ValidationErrors { get; init; }

    /// <summary>True when the problems were ignored because of --upstream-insecure.</summary>
    public bool ValidationIgnored { get; init; }

    /// <summary>What went wrong, in words a user can act on.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Error { get; init; }

    /// <summary>
    /// The ClientHello of the leg's TLS client: the client's on the client leg, the proxy's own on the upstream leg; null
    /// where it was not read (replays, sessions recorded before it was).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public TlsClientOffer? ClientHello { get; init; }
}

/// <summary>A frame the protocol parser found (command, response, state or transport change, malformed bytes).</summary>
public sealed record FrameParsed(ImapFrame Frame) : SessionEvent;

/// <summary>A command's tagged completion: its status and how long the server took (RFC 3501 §2.2.2).</summary>
public sealed record CommandCompleted : SessionEvent
{
    public required string Tag { get; init; }
    public required string Command { get; init; }
    public required ResponseStatus Status { get; init; }

    /// <summary>Offset of the command in the client stream.</summary>
    public required long CommandOffset { get; init; }

    public required TimeSpan Latency { get; init; }
}

/// <summary>Bytes the proxy generated, withheld or altered, and why (bridging, STARTTLS injection, ...).</summary>
public sealed record ProxyAction : SessionEvent
{
    /// <summary>The action of every alteration a fault rule made (--fault); a session with one is "altered".</summary>
    public const string Fault = "fault";

    public required string Action { get; init; }
    public required string Description { get; init; }

    /// <summary>The bytes concerned, as text (escaped where not printable): for an alteration, what the client received.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Bytes { get; init; }

    /// <summary>For an alteration (a fault rule), what the server sent in their place, as text like <see cref="Bytes"/>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Original { get; init; }
}

/// <summary>The store fell behind and events of this session were dropped; the relay was not slowed.</summary>
public sealed record CaptureIncomplete : SessionEvent
{
    /// <summary>Events dropped since the previous notice of the session (the notices add up to the total).</summary>
    public required long DroppedEvents { get; init; }
}

/// <summary>Why a literal's bytes were not all kept.</summary>
public enum TruncationCause
{
    /// <summary>Longer than the capture cap (--literal-cap): its first bytes are kept.</summary>
    CaptureCap,

    /// <summary>The store was falling behind: the body was let go (size and hash kept) so that no frame had to be.</summary>
    StoreBehind,
}

/// <summary>A chunk of one direction's plaintext (secrets overwritten), for byte-exact views and replay.</summary>
public sealed record RawBytes : SessionEvent
{
    public required byte[] Data { get; init; }

    /// <summary>
    /// Set when <see cref="Data"/> is a pooled buffer: a reader that takes the event from its queue and is done with
    /// the bytes (the store, once written) releases it. Not part of the stored or streamed event.
    /// </summary>
    [JsonIgnore]
    public RawChunkLease? Lease { get; init; }
}

/// <summary>A literal whose bytes were not all kept (see <see cref="Cause"/>); its size and hash are recorded.</summary>
public sealed record LiteralTruncated : SessionEvent
{
    public required long LiteralOffset { get; init; }
    public required long Length { get; init; }
    public required long Kept { get; init; }
    public required string Sha256 { get; init; }
    public TruncationCause Cause { get; init; }
}

/// <summary>
/// What the findings engine concluded by comparing events of the session (a size the server announced against the
/// bytes it sent, a UIDVALIDITY that changed, a command used without its capability...). Source is the proxy: the
/// conclusion is ours, the evidence is the peers'.
/// </summary>
public sealed record FindingReported : SessionEvent
{
    /// <summary>The rule's stable id (<c>finding:rfc822-size-mismatch</c> in filters).</summary>
    public required string Rule { get; init; }

    public required Severity Severity { get; init; }

    /// <summary>The RFC section that says what the peer should have done.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Rfc { get; init; }

    /// <summary>One line: what is wrong in this session, with its figures.</summary>
    public required string Message { get; init; }

    /// <summary>What clients are known to do when they meet it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ClientImpact { get; init; }

    /// <summary>Sequence numbers of the events that prove it (both ends of a comparison), in session order.</summary>
    public required IReadOnlyList<long> Evidence { get; init; }
}

/// <summary>
/// A stored event that could not be read back as its record (written by another version, or damaged on disk).
/// Never recorded: readers get it in place of the event, so one bad row costs that row, not the session.
/// </summary>
public sealed record UnreadableEvent : SessionEvent
{
    /// <summary>The stored text (its start, for a long one).</summary>
    public required string Json { get; init; }

    public required string Error { get; init; }
}
