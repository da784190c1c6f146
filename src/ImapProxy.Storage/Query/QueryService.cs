using System.Data.Common;

namespace ImapProxy.Storage.Query;

/// <summary>
/// Filtered reads of the store, paged by keyset (the first page and the thousandth cost the same): sessions by
/// id, one session's events by sequence, events across sessions by (session id, sequence). The filter's SQL
/// holds parameter names only; nothing the user typed is pasted into SQL text. See <see cref="QuerySql"/>.
/// </summary>
public sealed class QueryService(EventStore store)
{
    public const int MaxPage = 10_000;

    /// <summary>Sessions matching <paramref name="filter"/>; pass <see cref="Page{T}.Next"/> back as <paramref name="cursor"/>.</summary>
    public Page<SessionRow> Sessions(Filter? filter, int limit, long? cursor = null, bool newestFirst = true)
    {
        limit = Math.Clamp(limit, 1, MaxPage);
        var rows = Read(QuerySql.Sessions(store.Dialect, filter, limit + 1, cursor, newestFirst, store.TextIndex), EventStore.ReadSession);
        return Paged(rows, limit, r => r.Id);
    }

    /// <summary>The ids of every matching session, newest first (for a virtualised list of any length).</summary>
    public IReadOnlyList<long> SessionIds(Filter? filter, int max = 1_000_000) => RankedSessionIds(filter, SessionOrder.Newest, max).Select(s => s.Id).ToList();

    /// <summary>Ids of the sessions matching <paramref name="filter"/> in <paramref name="order"/>, each with its count of findings.</summary>
    public IReadOnlyList<(long Id, long Findings)> RankedSessionIds(Filter? filter, SessionOrder order, int max = 1_000_000) =>
        Read(QuerySql.SessionIds(store.Dialect, filter, max, order, store.TextIndex), r => (r.GetInt64(0), r.GetInt64(1)));

    /// <summary>The rows of these sessions (ids that do not exist are left out), in no particular order.</summary>
    public IReadOnlyList<SessionRow> SessionsById(IReadOnlyList<long> ids) =>
        ids.Count == 0 ? [] : Read(QuerySql.SessionsById(store.Dialect, ids), EventStore.ReadSession);

    /// <summary>One session's events matching <paramref name="filter"/>, in order (or newest first); the cursor is a sequence number.</summary>
    public Page<EventRow> Events(long sessionId, Filter? filter, int limit, long? cursor = null, bool newestFirst = false)
    {
        limit = Math.Clamp(limit, 1, MaxPage);
        var rows = Read(QuerySql.Events(store.Dialect, sessionId, filter, limit + 1, cursor, newestFirst, store.TextIndex), EventStore.ReadEvent);
        return Paged(rows, limit, r => r.Sequence);
    }

    /// <summary>
    /// Events of all sessions matching <paramref name="filter"/>: the newest session's events first, each session's
    /// newest first (or all of it the other way round) — the order of the keys, which every index ends with.
    /// </summary>
    public Page<EventRow, EventCursor> AllEvents(Filter? filter, int limit, EventCursor? cursor = null, bool newestFirst = true)
    {
        limit = Math.Clamp(limit, 1, MaxPage);
        var rows = Read(QuerySql.AllEvents(store.Dialect, filter, limit + 1, cursor, newestFirst, store.TextIndex), EventStore.ReadEvent);
        var more = rows.Count > limit;
        if (more) rows.RemoveAt(rows.Count - 1);
        return new Page<EventRow, EventCursor>(rows, more ? EventCursor.Of(rows[^1]) : null);
    }

    /// <summary>For in-memory evaluation of body: the same raw rows the SQL searches.</summary>
    public FilterContext Context => new(store.GetRawRows);

    /// <summary>The engine's plan for a query, one line per step, for tests and diagnosis.</summary>
    internal IReadOnlyList<string> Plan(SqlQuery query) =>
        Read(query with { Text = store.Dialect.ExplainPrefix + query.Text }, r => r.GetString(store.Dialect.PlanColumn));

    private List<T> Read<T>(SqlQuery query, Func<DbDataReader, T> read)
    {
        using var connection = store.OpenConnection();
        using var command = EventStore.Command(connection, query.Text);
        foreach (var (name, value) in query.Parameters.Values) EventStore.AddParameter(command, name, value);
        return EventStore.ReadAll(command, read);
    }

    private static Page<T> Paged<T>(List<T> rows, int limit, Func<T, long> key)
    {
        var more = rows.Count > limit;
        if (more) rows.RemoveAt(rows.Count - 1);
        return new Page<T>(rows, more ? key(rows[^1]) : null);
    }
}
