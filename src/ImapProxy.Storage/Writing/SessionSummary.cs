using ImapProxy.Recording;
using ImapProxy.Recording.Events;
using ImapProxy.Protocol;
using ImapProxy.Protocol.Commands;
using ImapProxy.Protocol.Diagnostics;

namespace ImapProxy.Storage.Writing;

/// <summary>
/// What one batch changes in a session's summary row. Accumulated in memory and applied with one UPDATE per
/// session per batch, instead of one per event. Null means "unchanged"; counters are increments.
/// </summary>
internal sealed class SessionSummary(long sessionId)
{
    public long SessionId { get; } = sessionId;
    public long Events { get; private set; }
    public long Commands { get; private set; }
    public long Failures { get; private set; }
    public long Anomalies { get; private set; }
    public long DroppedEvents { get; private set; }
    public long Findings { get; private set; }
    /// <summary>The client named by its ID command: replaces what the row held.</summary>
    public string? ClientAppById { get; private set; }

    /// <summary>The client its habits suggest: only where the row holds nothing yet.</summary>
    public string? ClientAppByHabit { get; private set; }
    public bool CaptureIncomplete { get; private set; }
    public bool Altered { get; private set; }
    public string? State { get; private set; }
    public string? User { get; private set; }
    public string? Mailbox { get; private set; }
    public string? ClientLegTls { get; private set; }
    public string? UpstreamLegTls { get; private set; }

    /// <summary>From the client leg's ClientHello: the name it asked for, and its JA4.</summary>
    public string? ClientSni { get; private set; }
    public string? ClientJa4 { get; private set; }
    public SessionClosed? Closed { get; private set; }

    /// <summary>How far each direction's captured stream reached in this batch: the byte counts of a live session.</summary>
    public long? ClientStreamEnd { get; private set; }
    public long? ServerStreamEnd { get; private set; }

    /// <summary>Counts an event that was stored in the events table.</summary>
    public void Add(SessionEvent e)
    {
        Events++;
        switch (e)
        {
            case FrameParsed { Frame: var frame }:
                Anomalies += frame.Diagnostics?.Count ?? 0;
                // The client's own word (ID) wins over what its habits suggest (tag style, spelling).
                if (frame is CommandFrame { Args: IdArgs id } && ClientApps.FromId(id.Fields) is { } named) ClientAppById = named;
                else if (frame is CommandFrame command) ClientAppByHabit ??= ClientApps.FromHabits(command.Tag, command.NameAsSent);
                // The user a login tried, until one succeeds: user:alice also finds alice's failed logins.
                if (User is null && AttemptedUser(frame) is { Length: > 0 } attempted) User = attempted;
                if (frame is StateChangeFrame s)
                {
                    State = StoredText.Of(s.State);
                    // The summary keeps who logged in and the last mailbox selected, not that LOGOUT cleared them.
                    User = s.User ?? User;
                    Mailbox = s.Mailbox ?? Mailbox;
                }
                break;
            case CommandCompleted c:
                Commands++;
                if (c.Status is ResponseStatus.No or ResponseStatus.Bad) Failures++;
                break;
            case TlsHandshake t:
                var outcome = t.Succeeded ? t.Protocol ?? "unknown" : "failed";
                if (t.Leg == TlsLeg.Client) ClientLegTls = outcome;
                else UpstreamLegTls = outcome;
                if (t is { Leg: TlsLeg.Client, ClientHello: { } offer })
                {
                    ClientSni = offer.ServerName ?? ClientSni;
                    ClientJa4 = offer.Ja4 ?? ClientJa4;
                }
                break;
            case FindingReported { Severity: not Severity.Info }:
                Findings++;
                break;
            case CaptureIncomplete i:
                CaptureIncomplete = true;
                DroppedEvents += i.DroppedEvents;
                break;
            case ProxyAction { Action: ProxyAction.Fault }:
                Altered = true;
                break;
            case LiteralTruncated { Cause: TruncationCause.StoreBehind }:
                CaptureIncomplete = true;
                break;
            case SessionClosed c:
                Closed = c;
                // Closed after the fact: whatever the dead proxy had not stored yet is missing.
                if (c.Reason == CloseReason.ProxyStopped) CaptureIncomplete = true;
                break;
        }
    }

    /// <summary>
    /// Raw bytes are not events of the events table, but they say how far a live session got: the end of a chunk is the
    /// count of bytes its side sent so far (offsets go on past bytes the capture cut). The close's relayed counts
    /// replace these once the session ends; a dropped chunk only delays the count until the next one.
    /// </summary>
    public void AddRaw(RawBytes chunk)
    {
        if (chunk.Offset is not { } offset) return;
        var end = offset + chunk.Data.Length;
        if (chunk.Source == EventSource.Client) ClientStreamEnd = Math.Max(ClientStreamEnd ?? 0, end);
        else if (chunk.Source == EventSource.Server) ServerStreamEnd = Math.Max(ServerStreamEnd ?? 0, end);
    }

    /// <summary>The byte counts the row holds after this summary: the close's, else the furthest the streams reached.</summary>
    public long? ClientBytes(long? before) => Closed?.ClientBytes ?? Furthest(before, ClientStreamEnd);
    public long? ServerBytes(long? before) => Closed?.ServerBytes ?? Furthest(before, ServerStreamEnd);

    private static long? Furthest(long? before, long? now) => now is { } n ? Math.Max(before ?? 0, n) : before;

    private static string? AttemptedUser(ImapFrame frame) => frame switch
    {
        CommandFrame { Args: LoginArgs login } => login.User,
        CommandFrame { Args: AuthenticateArgs authenticate } => authenticate.User,
        ClientLineFrame { LineKind: ClientLineKind.AuthenticateResponse, User: { } user } => user,
        _ => null,
    };

    /// <summary>Events of the session a refused batch took with it: the capture is incomplete by that many, and a lost close still ends it.</summary>
    public void Lost(long events, SessionClosed? closed)
    {
        CaptureIncomplete = true;
        DroppedEvents += events;
        Closed ??= closed;
    }

    /// <summary>The summary row after this summary's events, as the writer's UPDATE leaves it.</summary>
    public SessionRow ApplyTo(SessionRow row) => row with
    {
        Events = row.Events + Events,
        Commands = row.Commands + Commands,
        Failures = row.Failures + Failures,
        Anomalies = row.Anomalies + Anomalies,
        DroppedEvents = row.DroppedEvents + DroppedEvents,
        Findings = row.Findings + Findings,
        ClientApp = ClientAppById ?? row.ClientApp ?? ClientAppByHabit,
        CaptureIncomplete = row.CaptureIncomplete || CaptureIncomplete,
        Altered = row.Altered || Altered,
        State = State ?? row.State,
        User = User ?? row.User,
        Mailbox = Mailbox ?? row.Mailbox,
        ClientLegTls = ClientLegTls ?? row.ClientLegTls,
        UpstreamLegTls = UpstreamLegTls ?? row.UpstreamLegTls,
        ClientSni = ClientSni ?? row.ClientSni,
        ClientJa4 = ClientJa4 ?? row.ClientJa4,
        EndedAt = Closed?.Time ?? row.EndedAt,
        CloseReason = Closed is { } c ? StoredText.Of(c.Reason) : row.CloseReason,
        CloseDetail = Closed?.Detail ?? row.CloseDetail,
        ClientBytes = ClientBytes(row.ClientBytes),
        ServerBytes = ServerBytes(row.ServerBytes),
    };
}
