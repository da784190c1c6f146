using ImapProxy.Dashboard.Live;
using ImapProxy.Storage;
using ImapProxy.Storage.Query;

namespace ImapProxy.Queries;

/// <summary>
/// Whether a live event matches a filter, with its session's fields as the store has them now: the writer is a
/// moment behind, and user, mailbox and TLS change while a session runs. An event of a session the store has not
/// written yet matches on its own fields. One reader (a stream, a page) at a time.
/// </summary>
public sealed class LiveEventFilter(Filter? filter, QueryService queries) : IEventMatcher
{
    // Sessions of a long-lived stream come and go; beyond this the cache starts again rather than grow.
    private const int MaxSessions = 10_000;

    private readonly Dictionary<long, SessionRow> sessions = [];

    public bool Matches(EventRow e)
    {
        if (filter is null) return true;
        // Asked again while the store has not written the session, and when its fields change.
        if (!sessions.TryGetValue(e.SessionId, out var session) || e.Kind == "state" || e.Type is "tls-handshake" or "session-closed")
        {
            if (sessions.Count >= MaxSessions) sessions.Clear();
            if (queries.SessionsById([e.SessionId]).FirstOrDefault() is { } stored) sessions[e.SessionId] = session = stored;
        }
        return filter.MatchesEvent(session ?? SessionRow.Blank(e.SessionId, DateTimeOffset.MinValue), e, queries.Context);
    }
}
