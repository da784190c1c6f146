using System.Data.Common;
using ImapProxy.Protocol;
using ImapProxy.Storage.Sqlite;
using ImapProxy.Storage.Writing;

namespace ImapProxy.Storage;

/// <summary>
/// The event store contract, whatever the engine: session ids, reads, and connections for the one writer
/// (<see cref="EventStoreWriter"/>), the filtered queries (Query/) and retention. The SQL is written once, in what
/// SQLite and PostgreSQL both read; an engine (Sqlite/, Postgres/) opens connections, creates and migrates its
/// schema, hands out session ids and says the few things it spells its own way (<see cref="Dialect"/>).
/// </summary>
public abstract class EventStore : IDisposable
{
    protected EventStore(StorageOptions options, SqlDialect dialect)
    {
        options.Validate();
        Options = options;
        Dialect = dialect;
    }

    public StorageOptions Options { get; }

    public SqlDialect Dialect { get; }

    /// <summary>Where the store is, for people: a file path, or a database URL without its password.</summary>
    public abstract string Location { get; }

    /// <summary>
    /// A fresh session id, larger than every id taken before, by this process or another one writing the same store
    /// (a proxy, an import, a replay, another proxy on the same database). The relay takes one before a session's first event.
    /// </summary>
    public abstract long NextSessionId();

    /// <summary>A connection for reading; the caller disposes of it.</summary>
    internal abstract DbConnection OpenConnection();

    /// <summary>The writer's connection: the only one that writes events.</summary>
    internal virtual DbConnection OpenWriterConnection() => OpenConnection();

    /// <summary>How the writer's batches reach the events and raw tables on its connection (one statement per row unless the engine has better).</summary>
    internal virtual BatchRows OpenBatchRows(DbConnection connection, IRowOutcomes outcomes) => new StatementRows(connection, this, outcomes);

    /// <summary>Where the engine keeps raw bytes outside its tables; null when they are in the raw table's rows.</summary>
    internal virtual RawFiles? RawFiles => null;

    /// <summary>What a value written becomes in the engine (PostgreSQL's text cannot hold U+0000).</summary>
    internal virtual object? Bind(object? value) => value;

    /// <summary>One of the writer's statements on its connection; <paramref name="names"/> in the order of the values it will take.</summary>
    internal virtual Statement Prepare(DbConnection connection, string sql, string[] names) => new CommandStatement(connection, sql, Bind, names);

    /// <summary>Called in a batch's transaction just before it commits, with the sessions it wrote to (PostgreSQL tells
    /// the other proxies' dashboards, <see cref="Postgres.SharedStoreEvents"/>).</summary>
    internal virtual void Committing(DbConnection connection, IReadOnlyCollection<long> sessions)
    {
    }

    /// <summary>True when several proxies may write the store at once, each under its own instance name.</summary>
    internal virtual bool SharedByInstances => false;

    /// <summary>True when the writer computes the columns the filter derives from an event (SQLite generates them).</summary>
    internal virtual bool WritesDerivedColumns => false;

    /// <summary>The index that narrows text: searches, where the engine has one (SQLite's trigram index).</summary>
    internal virtual TextIndex? TextIndex => null;

    /// <summary>The writer's work when idle: index a step of what it wrote; returns how many rows (0: nothing left).</summary>
    internal virtual int IndexText(DbConnection connection) => 0;

    /// <summary>Indexes all the writer has left to index, at once (the benchmark; tests that want the index complete).</summary>
    internal long IndexAllText()
    {
        using var connection = OpenWriterConnection();
        long indexed = 0;
        for (int step; (step = IndexText(connection)) > 0;) indexed += step;
        return indexed;
    }

    /// <summary>Bytes the store's data takes, for retention's size limit.</summary>
    internal abstract long UsedBytes(DbConnection connection);

    /// <summary>Retention by age, where the engine can prune whole ranges of sessions at once (PostgreSQL's
    /// partitions): prunes those whose sessions all ended before <paramref name="cutoff"/> (StoredText.Time's form)
    /// and returns how many sessions went. Retention deletes the rest row by row.</summary>
    internal virtual int DropSessionsEndedBefore(DbConnection connection, string cutoff) => 0;

    /// <summary>Retention by size, likewise: prunes the oldest finished sessions at once when deleting them one by one
    /// while the store is <paramref name="excess"/> bytes over its limit would delete them all anyway. Returns how
    /// many sessions went; 0 when retention is to delete the oldest one by itself.</summary>
    internal virtual int DropOldestSessionsWithin(DbConnection connection, long excess) => 0;

    /// <summary>A database error in words a user can act on ("the disk is full").</summary>
    internal abstract string Describe(DbException error);

    /// <summary>True when a database error concerns one event (a constraint) and the rest of its batch can go on.</summary>
    internal abstract bool IsProblemOfTheEvent(DbException error);

    public SessionRow? GetSession(long id)
    {
        using var connection = OpenConnection();
        using var command = Command(connection, $"SELECT {SessionColumns} FROM sessions WHERE id = @id", ("@id", id));
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadSession(reader) : null;
    }

    /// <summary>Newest first. Pass the last id of a page as <paramref name="beforeId"/> for the next page.</summary>
    public IReadOnlyList<SessionRow> GetSessions(int limit, long? beforeId = null)
    {
        using var connection = OpenConnection();
        using var command = beforeId is { } before
            ? Command(connection, $"SELECT {SessionColumns} FROM sessions WHERE id < @before ORDER BY id DESC LIMIT @limit", ("@before", before), ("@limit", limit))
            : Command(connection, $"SELECT {SessionColumns} FROM sessions ORDER BY id DESC LIMIT @limit", ("@limit", limit));
        return ReadAll(command, ReadSession);
    }

    /// <summary>A session's events in sequence order, after <paramref name="afterSeq"/> (0 for the first page).</summary>
    public IReadOnlyList<EventRow> GetEvents(long sessionId, long afterSeq, int limit)
    {
        using var connection = OpenConnection();
        using var command = Command(connection,
            $"SELECT {EventSelect} FROM events e WHERE session_id = @session AND seq > @after ORDER BY seq LIMIT @limit",
            ("@session", sessionId), ("@after", afterSeq), ("@limit", limit));
        return ReadAll(command, ReadEvent);
    }

    /// <summary>Findings per rule across the store, most frequent first (served by the partial index events_findings).</summary>
    public IReadOnlyList<FindingTotal> GetFindingTotals()
    {
        using var connection = OpenConnection();
        using var command = Command(connection, """
            SELECT name, kind, count(*), count(DISTINCT session_id), min(time), max(time) FROM events
            WHERE type = 'finding' GROUP BY name, kind ORDER BY count(*) DESC, name
            """);
        return ReadAll(command, r => new FindingTotal(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3),
            StoredText.ParseTime(r.GetString(4)), StoredText.ParseTime(r.GetString(5))));
    }

    /// <summary>
    /// The raw rows of one direction that overlap [from, to), whole and as stored (not merged), in offset order:
    /// what the filter's body: searches, row by row.
    /// </summary>
    public IReadOnlyList<RawSegment> GetRawRows(long sessionId, Direction direction, long from, long to)
    {
        using var connection = OpenConnection();
        // Rows do not overlap, so the first row that matters is the last one starting at or before 'from'.
        using var command = Command(connection, $"""
            SELECT r."offset", {Dialect.RawBytes("r")} FROM raw r
            WHERE r.session_id = @session AND r.direction = @direction AND r."offset" < @to AND r."offset" + {Dialect.RawLength("r")} > @from
              AND r."offset" >= coalesce((SELECT max("offset") FROM raw
                                          WHERE session_id = @session AND direction = @direction AND "offset" <= @from), 0)
            ORDER BY r."offset"
            """, ("@session", sessionId), ("@direction", StoredText.Of(direction)), ("@from", from), ("@to", to));
        // No bytes (NULL or empty, as the provider hands back an empty result): the row's file is gone, and its bytes with it.
        return ReadAll(command, r => new RawSegment(r.GetInt64(0), r.IsDBNull(1) ? [] : (byte[])r.GetValue(1)));
    }

    /// <summary>
    /// The stored bytes of one direction between two offsets, as runs of consecutive bytes. Runs are separated
    /// where the capture kept nothing (the cut part of a truncated literal, events the bus dropped).
    /// </summary>
    public IReadOnlyList<RawSegment> GetRawSegments(long sessionId, Direction direction, long from = 0, long to = long.MaxValue)
    {
        var segments = new List<RawSegment>();
        using var stream = new MemoryStream();
        long start = 0;
        foreach (var row in GetRawRows(sessionId, direction, from, to))
        {
            var offset = row.Offset;
            var data = row.Data;
            // Clip the row to [from, to).
            var skip = (int)Math.Clamp(from - offset, 0, data.Length);
            var take = (int)Math.Clamp(to - (offset + skip), 0, data.Length - skip);
            if (take == 0) continue;
            offset += skip;
            if (stream.Length > 0 && start + stream.Length != offset)
            {
                segments.Add(new RawSegment(start, stream.ToArray()));
                stream.SetLength(0);
            }
            if (stream.Length == 0) start = offset;
            stream.Write(data, skip, take);
        }
        if (stream.Length > 0) segments.Add(new RawSegment(start, stream.ToArray()));
        return segments;
    }

    /// <summary>The stored bytes of one direction, gaps closed up. See <see cref="GetRawSegments"/> for where the gaps are.</summary>
    public byte[] GetRaw(long sessionId, Direction direction) =>
        GetRawSegments(sessionId, direction).SelectMany(s => s.Data).ToArray();

    public abstract void Dispose();

    /// <summary>Opens (creating or migrating it when needed) the store <paramref name="options"/> name.</summary>
    /// <exception cref="EventStoreException">The store cannot be used; the message says why, in words, without a password.</exception>
    public static EventStore Open(StorageOptions options) => options.Location switch
    {
        PostgresLocation database => new Postgres.PostgresEventStore(options, database),
        _ => new Sqlite.SqliteEventStore(options),
    };

    /// <summary>A command with named parameters (@name: both engines read that spelling).</summary>
    internal static DbCommand Command(DbConnection connection, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) AddParameter(command, name, value);
        return command;
    }

    internal static void AddParameter(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    /// <summary>The columns <see cref="ReadEvent"/> reads, over the alias <c>e</c>. "offset" and "user" are quoted:
    /// PostgreSQL reserves both words (a bare user is CURRENT_USER).</summary>
    internal const string EventSelect =
        "e.session_id, e.seq, e.time, e.elapsed_us, e.source, e.\"offset\", e.type, e.kind, e.tag, e.name, e.status, e.latency_us, e.json";

    internal static EventRow ReadEvent(DbDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), StoredText.ParseTime(r.GetString(2)), Microseconds(r.GetInt64(3)), r.GetString(4),
        Long(r, 5), r.GetString(6), Text(r, 7), Text(r, 8), Text(r, 9), Text(r, 10),
        Long(r, 11) is { } latency ? Microseconds(latency) : null, r.GetString(12));

    internal const string SessionColumns = """
        id, started_at, ended_at, client_address, listener_address, listener, upstream, upstream_tls, client_tls,
        upstream_insecure, client_leg_tls, upstream_leg_tls, "user", state, mailbox, close_reason, close_detail,
        client_bytes, server_bytes, events, commands, failures, anomalies, dropped_events, capture_incomplete, findings, client_app, altered,
        client_sni, client_ja4, instance
        """;

    // Flags are INTEGER 0/1 in SQLite and boolean in PostgreSQL; GetBoolean reads both.
    internal static SessionRow ReadSession(DbDataReader r) => new(
        r.GetInt64(0), StoredText.ParseTime(r.GetString(1)), Text(r, 2) is { } ended ? StoredText.ParseTime(ended) : null,
        Text(r, 3), Text(r, 4), Text(r, 5), Text(r, 6), Text(r, 7), Text(r, 8), r.GetBoolean(9), Text(r, 10), Text(r, 11),
        Text(r, 12), Text(r, 13), Text(r, 14), Text(r, 15), Text(r, 16), Long(r, 17), Long(r, 18),
        r.GetInt64(19), r.GetInt64(20), r.GetInt64(21), r.GetInt64(22), r.GetInt64(23), r.GetBoolean(24), r.GetInt64(25), Text(r, 26),
        r.GetBoolean(27), Text(r, 28), Text(r, 29), Text(r, 30));

    internal static List<T> ReadAll<T>(DbCommand command, Func<DbDataReader, T> read)
    {
        var rows = new List<T>();
        using var reader = command.ExecuteReader();
        while (reader.Read()) rows.Add(read(reader));
        return rows;
    }

    private static string? Text(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static long? Long(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    private static TimeSpan Microseconds(long us) => TimeSpan.FromTicks(us * TimeSpan.TicksPerMicrosecond);
}
