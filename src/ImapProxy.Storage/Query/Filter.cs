using ImapProxy.Recording.Events;

namespace ImapProxy.Storage.Query;

/// <summary>
/// A parsed filter, ready for both evaluators: in memory (live views, the SSE stream) and as SQL (the store).
/// Events match on their own fields and their session's. Sessions match on their own fields and, for event
/// fields, when at least one of their events does — each term separately: "cmd:FETCH status:NO" on sessions is a
/// session with a FETCH and a failure, not necessarily a failed FETCH.
/// </summary>
public sealed class Filter
{
    private Filter(FilterNode root, string text) => (Root, Text) = (root, text);

    public FilterNode Root { get; }
    public string Text { get; }

    /// <exception cref="FilterException">The expression is not valid; the exception says where and why.</exception>
    public static Filter Parse(string text) => new(FilterParser.Parse(text), text);

    /// <summary>Null for an empty or blank filter (everything matches).</summary>
    /// <exception cref="FilterException">The expression is not valid.</exception>
    public static Filter? ParseOrNull(string? text) => string.IsNullOrWhiteSpace(text) ? null : Parse(text);

    // ---- in memory ----

    /// <summary>An event row (stored, or made by <see cref="LiveEventRows.From"/>) with its session's row.</summary>
    public bool MatchesEvent(SessionRow session, EventRow e, FilterContext? context = null) =>
        Evaluate(Root, c => c.OnEvent(session, e, context ?? FilterContext.None));

    /// <summary>A live event, judged on the row the store will hold for it. Raw bytes are not events: false.</summary>
    public bool Matches(SessionRow session, SessionEvent e, FilterContext? context = null) =>
        e is not RawBytes && MatchesEvent(session, LiveEventRows.From(e), context);

    /// <summary>A session with all of its events, as the sessions query judges it.</summary>
    public bool MatchesSession(SessionRow session, IReadOnlyCollection<EventRow> events, FilterContext? context = null) =>
        Evaluate(Root, c => c.OnSession(session, events, context ?? FilterContext.None));

    /// <summary>
    /// A live session's row as of one new event (null: a change of the row alone): event fields are judged on
    /// that event only, so a session shows from the event that makes it match (the store's answer, which looks
    /// at all of its events, may include it sooner).
    /// </summary>
    public bool MatchesLiveSession(SessionRow session, EventRow? e) =>
        Evaluate(Root, c => c.OnSession(session, e is null ? [] : [e], FilterContext.None));

    private static bool Evaluate(FilterNode node, Func<FilterCondition, bool> term) => node switch
    {
        AndNode and => and.Parts.All(p => Evaluate(p, term)),
        OrNode or => or.Parts.Any(p => Evaluate(p, term)),
        NotNode not => !Evaluate(not.Part, term),
        TermNode t => term(t.Condition),
        _ => throw new InvalidOperationException($"unknown filter node {node}"),
    };

    // ---- SQL ----

    /// <summary>True when <see cref="EventSql"/> reads the session row <c>s</c> (the events query joins it then).</summary>
    internal bool EventSqlUsesSession => Terms(Root).Any(t => t.Condition.EventSqlUsesSession);

    /// <summary>A condition over <c>e</c> (events) and, if <see cref="EventSqlUsesSession"/>, <c>s</c> (its session).</summary>
    internal string EventSql(SqlParameters p) => Sql(Root, c => c.EventSql(p));

    /// <summary>A condition over <c>s</c> (sessions); event fields become EXISTS over the session's events.</summary>
    internal string SessionSql(SqlParameters p) => Sql(Root, c => c.SessionSql(p));

    private static string Sql(FilterNode node, Func<FilterCondition, string> term) => node switch
    {
        AndNode and => "(" + string.Join(" AND ", and.Parts.Select(p => Sql(p, term))) + ")",
        OrNode or => "(" + string.Join(" OR ", or.Parts.Select(p => Sql(p, term))) + ")",
        // A term is NULL where a value is missing. Outside NOT, NULL and false filter alike (and/or cannot turn a
        // NULL into true where false would not be); under NOT it must be false, as in memory, before negation.
        // Terms stay bare elsewhere so that indexes can serve them.
        NotNode not => $"(NOT coalesce({Sql(not.Part, term)}, FALSE))",
        TermNode t => term(t.Condition),
        _ => throw new InvalidOperationException($"unknown filter node {node}"),
    };

    private static IEnumerable<TermNode> Terms(FilterNode node) => node switch
    {
        AndNode and => and.Parts.SelectMany(Terms),
        OrNode or => or.Parts.SelectMany(Terms),
        NotNode not => Terms(not.Part),
        TermNode t => [t],
        _ => [],
    };
}
