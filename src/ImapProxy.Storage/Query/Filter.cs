namespace ImapProxy.Storage.Query;

/// <summary>
/// A parsed filter, ready for both evaluators. Events match on their own fields and their session's;
/// sessions match on their own fields and, for event fields, when at least one of their events does
/// (each event term separately: "cmd:FETCH and status:NO" on sessions means a FETCH and a failure).
/// </summary>
public sealed class Filter
{
    private Filter(FilterNode root, string text) => (Root, Text) = (root, text);

    public FilterNode Root { get; }
    public string Text { get; }

    /// <exception cref="FilterException">The expression is not valid; the exception says where.</exception>
    public static Filter Parse(string text) => new(FilterParser.Parse(text), text);

    /// <summary>Null for an empty or blank filter (everything matches).</summary>
    public static Filter? ParseOrNull(string? text) => string.IsNullOrWhiteSpace(text) ? null : Parse(text);

    // ---- in memory ----

    public bool MatchesEvent(SessionRow session, EventRow e, FilterContext? context = null) =>
        Evaluate(Root, term => term.Level == FilterLevel.Session ? term.Memory(session, null, context ?? FilterContext.None) : term.Memory(session, e, context ?? FilterContext.None));

    public bool MatchesSession(SessionRow session, IReadOnlyCollection<EventRow> events, FilterContext? context = null) =>
        Evaluate(Root, term =>
        {
            var condition = term.ForSessions ?? term;
            var ctx = context ?? FilterContext.None;
            return condition.Level == FilterLevel.Session ? condition.Memory(session, null, ctx) : events.Any(e => condition.Memory(session, e, ctx));
        });

    /// <summary>A live session's row as of one new event: event fields are judged on that event, so a session
    /// shows from the event that makes it match (the store's answer may include it sooner).</summary>
    public bool MatchesLiveSession(SessionRow session, EventRow? e) =>
        Evaluate(Root, term =>
        {
            var condition = term.ForSessions ?? term;
            return condition.Level == FilterLevel.Session ? condition.Memory(session, null, FilterContext.None)
                : e is not null && condition.Memory(session, e, FilterContext.None);
        });

    private static bool Evaluate(FilterNode node, Func<FilterCondition, bool> term) => node switch
    {
        AndNode and => and.Parts.All(p => Evaluate(p, term)),
        OrNode or => or.Parts.Any(p => Evaluate(p, term)),
        NotNode not => !Evaluate(not.Part, term),
        TermNode t => term(t.Condition),
        _ => throw new InvalidOperationException($"unknown filter node {node}"),
    };

    // ---- SQL ----

    /// <summary>A condition over <c>e</c> (events) joined with <c>s</c> (its session).</summary>
    public string EventSql(SqlBuilder sql) => Sql(Root, sql, condition => condition.Sql(sql));

    /// <summary>A condition over <c>s</c> (sessions); event fields become EXISTS over the session's events.</summary>
    public string SessionSql(SqlBuilder sql) => Sql(Root, sql, condition =>
    {
        var c = condition.ForSessions ?? condition;
        return c.Level == FilterLevel.Session ? c.Sql(sql) : $"EXISTS (SELECT 1 FROM events e WHERE e.session_id = s.id AND {c.Sql(sql)})";
    });

    private static string Sql(FilterNode node, SqlBuilder sql, Func<FilterCondition, string> term) => node switch
    {
        AndNode and => "(" + string.Join(" AND ", and.Parts.Select(p => Sql(p, sql, term))) + ")",
        OrNode or => "(" + string.Join(" OR ", or.Parts.Select(p => Sql(p, sql, term))) + ")",
        NotNode not => $"(NOT {Sql(not.Part, sql, term)})",
        // NULL is never true here, as in memory: a missing value does not match, and its negation does.
        TermNode t => $"coalesce(({term(t.Condition)}), 0)",
        _ => throw new InvalidOperationException($"unknown filter node {node}"),
    };
}
