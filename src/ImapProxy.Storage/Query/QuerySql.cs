using ImapProxy.Storage.Sqlite;

namespace ImapProxy.Storage.Query;

/// <summary>A statement and its parameters, built apart from running it so that tests can read its query plan.</summary>
internal sealed record SqlQuery(string Text, SqlParameters Parameters);

/// <summary>
/// The SQL of <see cref="QueryService"/>'s reads. Each one reads in the order of a key or of an index that ends
/// with it, so a page never sorts: it stops after <c>limit</c> rows, wherever the cursor is (keyset, no OFFSET).
/// One text for both engines; <see cref="SqlDialect"/> spells what they spell differently.
/// </summary>
internal static class QuerySql
{
    public static SqlQuery Sessions(SqlDialect dialect, Filter? filter, int limit, long? cursor, bool newestFirst, TextIndex? textIndex = null)
    {
        var p = new SqlParameters(dialect, textIndex);
        var where = new List<string>();
        if (filter is not null) where.Add(filter.SessionSql(p));
        if (cursor is { } id) where.Add($"s.id {Before(newestFirst)} {p.Add(id)}");
        return new($"""
            SELECT {EventStore.SessionColumns} FROM sessions s {Where(where)}
            ORDER BY s.id {Direction(newestFirst)} LIMIT {p.Add(limit)}
            """, p);
    }

    public static SqlQuery SessionIds(SqlDialect dialect, Filter? filter, int max, SessionOrder order, TextIndex? textIndex = null)
    {
        var p = new SqlParameters(dialect, textIndex);
        var where = filter is null ? [] : new List<string> { filter.SessionSql(p) };
        var orderBy = order == SessionOrder.MostFindings ? "s.findings DESC, s.id DESC" : "s.id DESC";
        return new($"SELECT s.id, s.findings FROM sessions s {Where(where)} ORDER BY {orderBy} LIMIT {p.Add(max)}", p);
    }

    public static SqlQuery SessionsById(SqlDialect dialect, IReadOnlyList<long> ids)
    {
        var p = new SqlParameters(dialect);
        return new($"SELECT {EventStore.SessionColumns} FROM sessions WHERE id IN ({p.List(ids.Cast<object>())})", p);
    }

    /// <summary>One session's events by sequence; its session row, when the filter reads it, is looked up once by key.</summary>
    public static SqlQuery Events(SqlDialect dialect, long sessionId, Filter? filter, int limit, long? cursor, bool newestFirst, TextIndex? textIndex = null)
    {
        var p = new SqlParameters(dialect, textIndex);
        var where = new List<string> { $"e.session_id = {p.Add(sessionId)}" };
        if (cursor is { } seq) where.Add($"e.seq {Before(newestFirst)} {p.Add(seq)}");
        if (filter is not null) where.Add(filter.EventSql(p));
        var join = filter is { EventSqlUsesSession: true } ? $"{dialect.OrderedJoin} sessions s ON s.id = e.session_id" : "";
        return new($"""
            SELECT {EventStore.EventSelect} FROM events e {join} {Where(where)}
            ORDER BY e.seq {Direction(newestFirst)} LIMIT {p.Add(limit)}
            """, p);
    }

    /// <summary>
    /// Events of all sessions by (session id, sequence), the primary key's order, which every index the filter
    /// uses ends with. A filter that reads session fields loops over sessions outside (CROSS JOIN keeps SQLite from
    /// turning the loops around) and their events inside, both in key order: a session whose fields do not match
    /// is skipped whole, without reading its events.
    /// </summary>
    public static SqlQuery AllEvents(SqlDialect dialect, Filter? filter, int limit, EventCursor? cursor, bool newestFirst, TextIndex? textIndex = null)
    {
        var p = new SqlParameters(dialect, textIndex);
        var bySession = filter is { EventSqlUsesSession: true };
        var where = new List<string>();
        if (cursor is { } c)
        {
            where.Add($"(e.session_id, e.seq) {Before(newestFirst)} ({p.Add(c.SessionId)}, {p.Add(c.Sequence)})");
            // The same bound on the sessions loop, so that it starts at the cursor's session.
            if (bySession) where.Add($"s.id {Before(newestFirst)}= {p.Add(c.SessionId)}");
        }
        if (filter is not null) where.Add(filter.EventSql(p));
        var order = Direction(newestFirst);
        return bySession
            ? new($"""
                SELECT {EventStore.EventSelect} FROM sessions s {dialect.OrderedJoin} events e ON e.session_id = s.id {Where(where)}
                ORDER BY s.id {order}, e.seq {order} LIMIT {p.Add(limit)}
                """, p)
            : new($"""
                SELECT {EventStore.EventSelect} FROM events e {Where(where)}
                ORDER BY e.session_id {order}, e.seq {order} LIMIT {p.Add(limit)}
                """, p);
    }

    private static string Where(List<string> conditions) => conditions.Count == 0 ? "" : "WHERE " + string.Join(" AND ", conditions);

    private static string Direction(bool newestFirst) => newestFirst ? "DESC" : "ASC";

    /// <summary>The keyset comparison: rows after the cursor in the page order.</summary>
    private static string Before(bool newestFirst) => newestFirst ? "<" : ">";
}
