using ImapProxy.Recording.Events;
using ImapProxy.Dashboard.Live;
using ImapProxy.Storage;
using ImapProxy.Storage.Query;

namespace ImapProxy.Dashboard;

/// <summary>The store as the dashboard reads it, through the filter language.</summary>
internal sealed class DashboardQueries(QueryService queries) : IDashboardQueries
{
    public string FilterHelp => FilterFields.HelpText;

    public (IReadOnlyList<long> Ids, FilterError? Error, ILiveMatcher Matcher) SessionIds(string? text)
    {
        if (!TryParse(text, out var filter, out var error)) return ([], error, ILiveMatcher.All);
        return (queries.SessionIds(filter), null, filter is null ? ILiveMatcher.All : new LiveSessions(filter));
    }

    public IReadOnlyList<SessionRow> Sessions(IReadOnlyList<long> ids) => queries.SessionsById(ids);

    public (IReadOnlyList<EventRow> Events, FilterError? Error, IEventMatcher Matcher) Events(long sessionId, string? text)
    {
        if (!TryParse(text, out var filter, out var error)) return ([], error, IEventMatcher.All);
        var events = new List<EventRow>();
        long? cursor = null;
        do
        {
            var page = queries.Events(sessionId, filter, QueryService.MaxPage, cursor);
            events.AddRange(page.Rows);
            cursor = page.Next;
        }
        while (cursor is not null);
        return (events, null, filter is null ? IEventMatcher.All : new LiveEvents(filter, sessionId, queries));
    }

    private static bool TryParse(string? text, out Filter? filter, out FilterError? error)
    {
        try
        {
            filter = Filter.ParseOrNull(text);
            error = null;
            return true;
        }
        catch (FilterException e)
        {
            filter = null;
            error = new FilterError(e.Position, e.Length, e.Message);
            return false;
        }
    }

    private sealed class LiveSessions(Filter filter) : ILiveMatcher
    {
        public bool Matches(SessionRow session, SessionEvent e) =>
            filter.MatchesLiveSession(session, e is RawBytes ? null : LiveEventRows.From(e));
    }

    private sealed class LiveEvents(Filter filter, long sessionId, QueryService queries) : IEventMatcher
    {
        private SessionRow? session;

        public bool Matches(EventRow e)
        {
            // Session fields as the store has them now (user, mailbox change while the session runs).
            if (session is null || e.Kind == "state" || e.Type is "tls-handshake" or "session-closed")
                session = queries.SessionsById([sessionId]).FirstOrDefault() ?? session;
            return session is not null && filter.MatchesEvent(session, e, queries.Context);
        }
    }
}
