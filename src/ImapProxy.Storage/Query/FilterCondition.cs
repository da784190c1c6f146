namespace ImapProxy.Storage.Query;

/// <summary>
/// One compiled term with its two implementations, which must agree: in memory over rows (live views) and as
/// SQL over the tables (the store). Each has two targets:
/// <list type="bullet">
/// <item>events: one event with its session (SQL over <c>e</c>, joined with <c>s</c> when <see cref="EventSqlUsesSession"/>);</item>
/// <item>sessions: a session with all of its events (SQL over <c>s</c>); by default an event condition holds for a
/// session when it holds for at least one of its events (EXISTS).</item>
/// </list>
/// NULL in SQL is "does not match", as a missing value is in memory; <see cref="Filter"/> keeps it so under NOT.
/// </summary>
public sealed class FilterCondition
{
    private FilterCondition(
        Func<SessionRow, EventRow, FilterContext, bool> onEvent, Func<SqlParameters, string> eventSql, bool eventSqlUsesSession,
        Func<SessionRow, IReadOnlyCollection<EventRow>, FilterContext, bool> onSession, Func<SqlParameters, string> sessionSql)
    {
        OnEvent = onEvent;
        EventSql = eventSql;
        EventSqlUsesSession = eventSqlUsesSession;
        OnSession = onSession;
        SessionSql = sessionSql;
    }

    internal Func<SessionRow, EventRow, FilterContext, bool> OnEvent { get; }
    internal Func<SqlParameters, string> EventSql { get; }
    internal bool EventSqlUsesSession { get; }
    internal Func<SessionRow, IReadOnlyCollection<EventRow>, FilterContext, bool> OnSession { get; }
    internal Func<SqlParameters, string> SessionSql { get; }

    /// <summary>A property of the session (user, TLS): the same for all of its events.</summary>
    /// <param name="eventSql">The same condition over <c>e</c> alone, when it can be said without the session row
    /// (session:42 is e.session_id = 42): no join, and the events' own indexes serve it.</param>
    internal static FilterCondition OfSession(Func<SessionRow, bool> memory, Func<SqlParameters, string> sql, Func<SqlParameters, string>? eventSql = null) =>
        new((s, _, _) => memory(s), eventSql ?? sql, eventSqlUsesSession: eventSql is null, (s, _, _) => memory(s), sql);

    /// <summary>A property of one event (command, status, latency); a session has it when one of its events does.</summary>
    /// <param name="sessionSql">The sessions' condition, where it is better said otherwise than by EXISTS (it must
    /// mean the same: one of the session's events matches).</param>
    internal static FilterCondition OfEvent(Func<EventRow, FilterContext, bool> memory, Func<SqlParameters, string> sql,
        Func<SqlParameters, string>? sessionSql = null) =>
        new((_, e, c) => memory(e, c), sql, eventSqlUsesSession: false,
            (_, events, c) => events.Any(e => memory(e, c)),
            sessionSql ?? (p => AnyEvent(sql(p))));

    /// <summary>A property of an event that also reads its session (the SQL joins <c>s</c>), with what it means for
    /// <paramref name="sessions"/> said apart (after:, before: judge sessions by their start).</summary>
    internal static FilterCondition OfEventInSession(Func<SessionRow, EventRow, bool> memory, Func<SqlParameters, string> sql, FilterCondition sessions) =>
        new((s, e, _) => memory(s, e), sql, eventSqlUsesSession: true, sessions.OnSession, sessions.SessionSql);

    /// <summary>A session has one event (<c>e</c>) for which <paramref name="eventSql"/> holds.</summary>
    internal static string AnyEvent(string eventSql) => $"EXISTS (SELECT 1 FROM events e WHERE e.session_id = s.id AND {eventSql})";

    /// <summary>This condition for events, <paramref name="sessions"/>'s meaning for sessions (after: compares a session's start).</summary>
    internal FilterCondition ForSessions(FilterCondition sessions) => new(OnEvent, EventSql, EventSqlUsesSession, sessions.OnSession, sessions.SessionSql);

    /// <summary>Either condition, on both targets (mailbox: the session's, or a command's argument).</summary>
    internal static FilterCondition Either(FilterCondition a, FilterCondition b) => new(
        (s, e, c) => a.OnEvent(s, e, c) || b.OnEvent(s, e, c),
        p => $"({a.EventSql(p)} OR {b.EventSql(p)})",
        a.EventSqlUsesSession || b.EventSqlUsesSession,
        (s, events, c) => a.OnSession(s, events, c) || b.OnSession(s, events, c),
        p => $"({a.SessionSql(p)} OR {b.SessionSql(p)})");
}
