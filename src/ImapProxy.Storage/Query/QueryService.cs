using ImapProxy.Protocol;
using ImapProxy.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace ImapProxy.Storage.Query;

/// <summary>A page of rows and the cursor of the next page (null at the end). Keyset paging: never OFFSET.</summary>
public sealed record Page<T>(IReadOnlyList<T> Rows, long? Next);

/// <summary>
/// Filtered reads of the store: sessions newest first (keyset on id), a session's events in order (keyset on
/// seq). The filter's SQL is parameterised; nothing from the user is ever pasted into the SQL text.
/// </summary>
public sealed class QueryService(SqliteEventStore store)
{
    public const int MaxPage = 10_000;

    /// <summary>Sessions matching <paramref name="filter"/>, newest first; pass <see cref="Page{T}.Next"/> back as <paramref name="before"/>.</summary>
    public Page<SessionRow> Sessions(Filter? filter, int limit, long? before = null, bool oldestFirst = false)
    {
        limit = Math.Clamp(limit, 1, MaxPage);
        var sql = new SqlBuilder();
        var where = filter?.SessionSql(sql) ?? "1";
        var keyset = oldestFirst ? "s.id > $cursor" : "s.id < $cursor";
        var rows = Read(connection =>
        {
            var command = connection.CreateCommand();
            command.CommandText = $"SELECT {SqliteEventStore.SessionColumns} FROM sessions s WHERE {where} AND ($cursor IS NULL OR {keyset}) " +
                                  $"ORDER BY s.id {(oldestFirst ? "ASC" : "DESC")} LIMIT $limit";
            Bind(command, sql, ("$cursor", (object?)before ?? DBNull.Value), ("$limit", limit + 1));
            return command;
        }, SqliteEventStore.ReadSession);
        return Paged(rows, limit, r => r.Id);
    }

    /// <summary>The ids of every matching session, newest first (for a virtualised list of any length).</summary>
    public IReadOnlyList<long> SessionIds(Filter? filter, int max = 1_000_000)
    {
        var sql = new SqlBuilder();
        var where = filter?.SessionSql(sql) ?? "1";
        return Read(connection =>
        {
            var command = connection.CreateCommand();
            command.CommandText = $"SELECT s.id FROM sessions s WHERE {where} ORDER BY s.id DESC LIMIT $max";
            Bind(command, sql, ("$max", max));
            return command;
        }, r => r.GetInt64(0));
    }

    public IReadOnlyList<SessionRow> SessionsById(IReadOnlyList<long> ids)
    {
        if (ids.Count == 0) return [];
        var rows = Read(connection =>
        {
            var command = connection.CreateCommand();
            var names = ids.Select((id, i) => $"$id{i}").ToList();
            command.CommandText = $"SELECT {SqliteEventStore.SessionColumns} FROM sessions WHERE id IN ({string.Join(", ", names)})";
            for (var i = 0; i < ids.Count; i++) command.Parameters.AddWithValue(names[i], ids[i]);
            return command;
        }, SqliteEventStore.ReadSession);
        return rows;
    }

    /// <summary>A session's events matching <paramref name="filter"/>, in order after <paramref name="after"/> (a seq), or newest first.</summary>
    public Page<EventRow> Events(long sessionId, Filter? filter, int limit, long? after = null, bool newestFirst = false)
    {
        limit = Math.Clamp(limit, 1, MaxPage);
        var sql = new SqlBuilder();
        var where = filter?.EventSql(sql) ?? "1";
        var keyset = newestFirst ? "e.seq < $cursor" : "e.seq > $cursor";
        var rows = Read(connection =>
        {
            var command = connection.CreateCommand();
            command.CommandText = $"SELECT {SqliteEventStore.EventSelect} FROM events e JOIN sessions s ON s.id = e.session_id " +
                                  $"WHERE e.session_id = $session AND {where} AND ($cursor IS NULL OR {keyset}) " +
                                  $"ORDER BY e.seq {(newestFirst ? "DESC" : "ASC")} LIMIT $limit";
            Bind(command, sql, ("$session", sessionId), ("$cursor", (object?)after ?? DBNull.Value), ("$limit", limit + 1));
            return command;
        }, SqliteEventStore.ReadEvent);
        return Paged(rows, limit, r => r.Sequence);
    }

    /// <summary>For in-memory evaluation of body: the same rows the SQL searches.</summary>
    public FilterContext Context => new(e =>
    {
        using var json = System.Text.Json.JsonDocument.Parse(e.Json);
        var length = json.RootElement.TryGetProperty("frame", out var frame) ? frame.GetProperty("length").GetInt64() : 0;
        var direction = e.Source == "client" ? Direction.Client : Direction.Server;
        return e.Offset is { } offset ? store.GetRawRowsOverlapping(e.SessionId, direction, offset, offset + length) : [];
    });

    private List<T> Read<T>(Func<SqliteConnection, SqliteCommand> prepare, Func<SqliteDataReader, T> read)
    {
        using var connection = store.OpenConnection();
        using var command = prepare(connection);
        return SqliteEventStore.ReadAll(command, read);
    }

    private static void Bind(SqliteCommand command, SqlBuilder sql, params (string Name, object Value)[] extra)
    {
        foreach (var (name, value) in sql.Parameters.Concat(extra)) command.Parameters.AddWithValue(name, value);
    }

    private static Page<T> Paged<T>(List<T> rows, int limit, Func<T, long> key)
    {
        var more = rows.Count > limit;
        if (more) rows.RemoveAt(rows.Count - 1);
        return new Page<T>(rows, more && rows.Count > 0 ? key(rows[^1]) : null);
    }
}
