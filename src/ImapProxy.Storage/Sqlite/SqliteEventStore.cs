using ImapProxy.Protocol;
using Microsoft.Data.Sqlite;

namespace ImapProxy.Storage.Sqlite;

/// <summary>
/// The SQLite event store: one file, <c>imapproxy.db</c>, in WAL mode so readers never wait for the writer.
/// Writing is <see cref="EventStoreWriter"/>'s job (one writer, batched transactions); this class opens and
/// migrates the file, hands out session ids and answers reads, each on a connection of its own.
/// </summary>
public sealed class SqliteEventStore : IDisposable
{
    public const string FileName = "imapproxy.db";

    // SQLite result codes (sqlite3.h) that say something about the file rather than about a statement.
    private const int SqliteIoError = 10;
    private const int SqliteFull = 13;
    private const int SqliteCorrupt = 11;
    private const int SqliteReadOnly = 8;
    private const int SqliteCantOpen = 14;
    private const int SqliteNotADatabase = 26;

    private readonly string connectionString;

    public SqliteEventStore(StorageOptions options)
    {
        options.Validate();
        Options = options;
        var directory = Path.GetFullPath(options.DataDirectory);
        FilePath = Path.Combine(directory, FileName);
        try
        {
            OwnerOnly.CreateDirectory(directory);
            // Created here rather than by SQLite, which would make it readable by all (0644 under the usual umask);
            // SQLite gives the -wal and -shm files it creates the database file's mode.
            OwnerOnly.CreateFile(FilePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EventStoreException($"cannot create the store in {directory}: {e.Message}", e);
        }
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            ForeignKeys = true,
            Pooling = true,
        }.ToString();
        try
        {
            using var connection = OpenConnection();
            // SQLite opens a file it may not write read-only without a word; writes would fail much later.
            if (SQLitePCL.raw.sqlite3_db_readonly(connection.Handle, "main") == 1)
                throw new EventStoreException($"{FilePath} is read-only: the proxy needs to write its events there; fix its permissions or use another data directory");
            // WAL is a property of the file: set once here, every later connection gets it.
            Execute(connection, "PRAGMA journal_mode = WAL");
            Schema.Migrate(connection, FilePath);
        }
        catch (SqliteException e)
        {
            ClearPool();
            throw new EventStoreException(Describe(e), e);
        }
        catch
        {
            ClearPool();
            throw;
        }
    }

    public StorageOptions Options { get; }

    /// <summary>Full path of the database file.</summary>
    public string FilePath { get; }

    /// <summary>
    /// A fresh session id, larger than every id taken before, by this process or another one writing the same file
    /// (a proxy, an import, a replay). The relay takes one before a session's first event.
    /// </summary>
    public long NextSessionId()
    {
        try
        {
            using var connection = OpenWriterConnection();
            return Scalar(connection, "UPDATE session_counter SET last = last + 1 RETURNING last");
        }
        catch (SqliteException e)
        {
            throw new EventStoreException(Describe(e), e);
        }
    }

    public SessionRow? GetSession(long id)
    {
        using var connection = OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {SessionColumns} FROM sessions WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadSession(reader) : null;
    }

    /// <summary>Newest first. Pass the last id of a page as <paramref name="beforeId"/> for the next page.</summary>
    public IReadOnlyList<SessionRow> GetSessions(int limit, long? beforeId = null)
    {
        using var connection = OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {SessionColumns} FROM sessions WHERE $before IS NULL OR id < $before ORDER BY id DESC LIMIT $limit";
        command.Parameters.AddWithValue("$before", (object?)beforeId ?? DBNull.Value);
        command.Parameters.AddWithValue("$limit", limit);
        return ReadAll(command, ReadSession);
    }

    /// <summary>A session's events in sequence order, after <paramref name="afterSeq"/> (0 for the first page).</summary>
    public IReadOnlyList<EventRow> GetEvents(long sessionId, long afterSeq, int limit)
    {
        using var connection = OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {EventSelect} FROM events e WHERE session_id = $session AND seq > $after ORDER BY seq LIMIT $limit";
        command.Parameters.AddWithValue("$session", sessionId);
        command.Parameters.AddWithValue("$after", afterSeq);
        command.Parameters.AddWithValue("$limit", limit);
        return ReadAll(command, ReadEvent);
    }

    /// <summary>Findings per rule across the store, most frequent first (served by the partial index events_findings).</summary>
    public IReadOnlyList<FindingTotal> GetFindingTotals()
    {
        using var connection = OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT name, kind, count(*), count(DISTINCT session_id), min(time), max(time) FROM events
            WHERE type = 'finding' GROUP BY name, kind ORDER BY count(*) DESC, name
            """;
        return ReadAll(command, r => new FindingTotal(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3),
            StoredText.ParseTime(r.GetString(4)), StoredText.ParseTime(r.GetString(5))));
    }

    /// <summary>The columns <see cref="ReadEvent"/> reads, over the alias <c>e</c>.</summary>
    internal const string EventSelect =
        "e.session_id, e.seq, e.time, e.elapsed_us, e.source, e.offset, e.type, e.kind, e.tag, e.name, e.status, e.latency_us, e.json";

    internal static EventRow ReadEvent(SqliteDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), StoredText.ParseTime(r.GetString(2)), Microseconds(r.GetInt64(3)), r.GetString(4),
        Long(r, 5), r.GetString(6), Text(r, 7), Text(r, 8), Text(r, 9), Text(r, 10),
        Long(r, 11) is { } latency ? Microseconds(latency) : null, r.GetString(12));

    /// <summary>
    /// The raw rows of one direction that overlap [from, to), whole and as stored (not merged), in offset order:
    /// what the filter's body: searches, row by row.
    /// </summary>
    public IReadOnlyList<RawSegment> GetRawRows(long sessionId, Direction direction, long from, long to)
    {
        using var connection = OpenConnection();
        using var command = connection.CreateCommand();
        // Rows do not overlap, so the first row that matters is the last one starting at or before 'from'.
        command.CommandText = """
            SELECT offset, data FROM raw
            WHERE session_id = $session AND direction = $direction AND offset < $to AND offset + length(data) > $from
              AND offset >= coalesce((SELECT max(offset) FROM raw
                                      WHERE session_id = $session AND direction = $direction AND offset <= $from), 0)
            ORDER BY offset
            """;
        command.Parameters.AddWithValue("$session", sessionId);
        command.Parameters.AddWithValue("$direction", StoredText.Of(direction));
        command.Parameters.AddWithValue("$from", from);
        command.Parameters.AddWithValue("$to", to);
        return ReadAll(command, r => new RawSegment(r.GetInt64(0), (byte[])r.GetValue(1)));
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

    /// <summary>The writer's connection: the only one that writes.</summary>
    internal SqliteConnection OpenWriterConnection()
    {
        var connection = OpenConnection();
        // In WAL mode NORMAL loses no integrity on power loss, only the last commits; it saves an fsync per commit.
        Execute(connection, "PRAGMA synchronous = NORMAL");
        return connection;
    }

    internal SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            // Readers never wait in WAL mode, but the writer may meet a checkpoint or another process (the CLI).
            Execute(connection, "PRAGMA busy_timeout = 5000");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public void Dispose() => ClearPool();

    // Pooled connections keep the file open; release them so the file can be moved or deleted after Dispose.
    private void ClearPool()
    {
        using var connection = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(connection);
    }

    internal string Describe(SqliteException e) => e.SqliteErrorCode switch
    {
        SqliteFull => $"the disk is full ({Path.GetDirectoryName(FilePath)}): free some space; capture resumes by itself",
        SqliteIoError => $"the disk failed to write {FilePath} ({e.Message})",
        SqliteNotADatabase => $"{FilePath} is not a SQLite database ({e.Message}); move it away or use another data directory",
        SqliteCorrupt => $"{FilePath} is corrupt ({e.Message}); move it away or use another data directory",
        SqliteReadOnly => $"{FilePath} is read-only ({e.Message}); fix its permissions or use another data directory",
        SqliteCantOpen => $"cannot open {FilePath} ({e.Message}); check the data directory and its permissions",
        _ => $"cannot use {FilePath}: {e.Message}",
    };

    internal const string SessionColumns = """
        id, started_at, ended_at, client_address, listener_address, listener, upstream, upstream_tls, client_tls,
        upstream_insecure, client_leg_tls, upstream_leg_tls, user, state, mailbox, close_reason, close_detail,
        client_bytes, server_bytes, events, commands, failures, anomalies, dropped_events, capture_incomplete, findings, client_app, altered,
        client_sni, client_ja4
        """;

    internal static SessionRow ReadSession(SqliteDataReader r) => new(
        r.GetInt64(0), StoredText.ParseTime(r.GetString(1)), Text(r, 2) is { } ended ? StoredText.ParseTime(ended) : null,
        Text(r, 3), Text(r, 4), Text(r, 5), Text(r, 6), Text(r, 7), Text(r, 8), r.GetInt64(9) != 0, Text(r, 10), Text(r, 11),
        Text(r, 12), Text(r, 13), Text(r, 14), Text(r, 15), Text(r, 16), Long(r, 17), Long(r, 18),
        r.GetInt64(19), r.GetInt64(20), r.GetInt64(21), r.GetInt64(22), r.GetInt64(23), r.GetInt64(24) != 0, r.GetInt64(25), Text(r, 26),
        r.GetInt64(27) != 0, Text(r, 28), Text(r, 29));

    internal static List<T> ReadAll<T>(SqliteCommand command, Func<SqliteDataReader, T> read)
    {
        var rows = new List<T>();
        using var reader = command.ExecuteReader();
        while (reader.Read()) rows.Add(read(reader));
        return rows;
    }

    private static string? Text(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static long? Long(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    private static TimeSpan Microseconds(long us) => TimeSpan.FromTicks(us * TimeSpan.TicksPerMicrosecond);

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }
}
