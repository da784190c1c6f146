using ImapProxy.Recording;
using ImapProxy.Recording.Events;

namespace ImapProxy.Storage;

// Storage rows, as the tables hold them: text values are the events' JSON spellings (kebab-case), counts are
// totals over the session. Views build their own models from these.

/// <summary>A session's summary row, kept up to date by the writer as its events arrive.</summary>
/// <param name="ClientAddress">Null (like the other SessionOpened columns) when the bus dropped the SessionOpened.</param>
/// <param name="ClientLegTls">Negotiated protocol of the client leg's TLS, "failed", or null when it had none.</param>
/// <param name="State">Last protocol state: not-authenticated, authenticated, selected, logout.</param>
/// <param name="User">Who the session authenticated as; <paramref name="Mailbox"/>: the last mailbox selected.</param>
/// <param name="Commands">Completed commands; <paramref name="Failures"/> those completed with NO or BAD.</param>
/// <param name="Anomalies">Diagnostics the parser attached to the session's frames.</param>
/// <param name="Events">Events stored for the session (raw bytes not counted).</param>
/// <param name="Findings">Findings of warning or error severity (info findings are on the session's timeline only).</param>
/// <param name="ClientApp">The mail client, from its ID command, or from its tag style (see <c>ClientApps</c>).</param>
/// <param name="ClientSni">The server name the client's TLS ClientHello asked for (client leg); <paramref name="ClientJa4"/> its JA4 fingerprint.</param>
public sealed record SessionRow(
    long Id,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    string? ClientAddress,
    string? ListenerAddress,
    string? Listener,
    string? Upstream,
    string? UpstreamTls,
    string? ClientTls,
    bool UpstreamInsecure,
    string? ClientLegTls,
    string? UpstreamLegTls,
    string? User,
    string? State,
    string? Mailbox,
    string? CloseReason,
    string? CloseDetail,
    long? ClientBytes,
    long? ServerBytes,
    long Events,
    long Commands,
    long Failures,
    long Anomalies,
    long DroppedEvents,
    bool CaptureIncomplete,
    long Findings,
    string? ClientApp,
    bool Altered = false,
    string? ClientSni = null,
    string? ClientJa4 = null)
{
    /// <summary>A session known only by its id and start: every fact still unknown, every count zero.</summary>
    public static SessionRow Blank(long id, DateTimeOffset startedAt) => new(id, startedAt, null, null, null, null, null, null, null, false,
        null, null, null, null, null, null, null, null, null, 0, 0, 0, 0, 0, false, 0, null);
}

/// <summary>One stored event: the columns lists and filters use, and the whole event as JSON (FrameJson's shape).</summary>
/// <param name="Elapsed">To the microsecond, like <paramref name="Latency"/>; the JSON has the exact values.</param>
/// <param name="Type">The event's JSON type: session-opened, frame, command-completed, ...</param>
/// <param name="Kind">For frames, the frame's JSON kind: command, response, state, ...</param>
/// <param name="Name">Command name, response keyword or status (OK, FETCH), or the event's subject (TLS leg, close reason).</param>
/// <param name="Status">Response or completion status (ok, no, bad, preauth, bye); ok/failed for TLS handshakes.</param>
public sealed record EventRow(
    long SessionId,
    long Sequence,
    DateTimeOffset Time,
    TimeSpan Elapsed,
    string Source,
    long? Offset,
    string Type,
    string? Kind,
    string? Tag,
    string? Name,
    string? Status,
    TimeSpan? Latency,
    string Json)
{
    /// <summary>The stored event read back as its record (an <see cref="UnreadableEvent"/> when it cannot be): reads the JSON at each call.</summary>
    public SessionEvent ReadEvent() => EventJson.Read(Json);
}

/// <summary>One findings rule across the store: its findings, the sessions they are in, the first and the last.</summary>
public sealed record FindingTotal(string Rule, string Severity, long Count, long Sessions, DateTimeOffset FirstSeen, DateTimeOffset LastSeen);

/// <summary>Consecutive stored bytes of one direction, starting at <see cref="Offset"/> in that direction's stream.</summary>
public sealed record RawSegment(long Offset, byte[] Data)
{
    public long End => Offset + Data.Length;
}
