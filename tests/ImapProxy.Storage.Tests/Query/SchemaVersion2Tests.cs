using ImapProxy.Storage.Query;
using ImapProxy.Storage.Sqlite;
using ImapProxy.Storage.Tests.Support;
using Microsoft.Data.Sqlite;

namespace ImapProxy.Storage.Tests.Query;

/// <summary>
/// Schema version 2 (the filter's columns and indexes) on a new store, and on a store written by version 1:
/// the migration keeps every row, and the migrated store answers every filter as a store made at version 2.
/// </summary>
public sealed class SchemaVersion2Tests(CapturedStore captured) : IClassFixture<CapturedStore>
{
    private static readonly string[] Indexes4 = ["events_by_command", "events_by_mailbox", "events_findings", "events_large", "events_with_anomalies"];

    [Fact]
    public void NewStore_IsAtTheCurrentVersion_WithTheFilterIndexes()
    {
        using var temp = new TempDirectory();
        using var store = new SqliteEventStore(new StorageOptions { DataDirectory = temp.Path });
        using var connection = (SqliteConnection)store.OpenConnection();

        Assert.Equal((long)Schema.Version, Scalar(connection, "SELECT max(version) FROM schema_version"));
        Assert.Equal(Indexes4, Indexes(connection));
    }

    [Fact]
    public void Version1Store_IsMigratedWithItsRows()
    {
        using var temp = new TempDirectory();
        var path = Version1Copy(temp);

        using var store = new SqliteEventStore(new StorageOptions { DataDirectory = temp.Path });
        using var connection = (SqliteConnection)store.OpenConnection();

        Assert.Equal([1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L], Column(connection, "SELECT version FROM schema_version ORDER BY version"));
        Assert.Equal(Indexes4, Indexes(connection));
        foreach (var table in new[] { "sessions", "events", "raw" })
            Assert.Equal(Scalar(connection, $"SELECT count(*) FROM src.{table}", attach: ((SqliteEventStore)captured.Store).FilePath), Scalar(connection, $"SELECT count(*) FROM {table}"));
        Assert.Equal(path, store.FilePath);
        // Version 4 marks no session altered that was not.
        Assert.Equal(0, Scalar(connection, "SELECT count(*) FROM sessions WHERE altered"));
        // Version 5 knows no instance for sessions a proxy stored before it.
        Assert.Equal(0, Scalar(connection, "SELECT count(*) FROM sessions WHERE instance IS NOT NULL"));
        // Version 7's text index starts empty: every row is in its tail, for the writer to index when idle (text:
        // answers meanwhile, MigratedStore_AnswersEveryFilterAsANewOne); once indexed, every row is in it.
        Assert.Equal(0, Scalar(connection, "SELECT up_to FROM events_text_indexed"));
        Assert.Equal(Scalar(connection, "SELECT count(*) FROM events"), store.IndexAllText());
        Assert.Equal(Scalar(connection, "SELECT count(*) FROM events"), Scalar(connection, "SELECT count(*) FROM events_text"));
        // Version 8 leaves the raw rows written before it with their bytes (no file), and they read back as they were.
        Assert.Equal(Scalar(connection, "SELECT count(*) FROM raw"), Scalar(connection, "SELECT count(*) FROM raw WHERE position IS NULL AND length(data) > 0"));
        Assert.False(Directory.Exists(store.RawFiles.Directory));
        foreach (var id in captured.Store.GetSessions(100).Select(s => s.Id))
        foreach (var direction in new[] { Protocol.Direction.Client, Protocol.Direction.Server })
            Assert.Equal(captured.Store.GetRaw(id, direction), store.GetRaw(id, direction));
        // Version 3's counter goes on from the sessions already there.
        Assert.Equal(Scalar(connection, "SELECT max(id) FROM sessions") + 1, store.NextSessionId());

        // Opened again: nothing left to do.
        using var again = new SqliteEventStore(new StorageOptions { DataDirectory = temp.Path });
    }

    [Fact]
    public void MigratedStore_AnswersEveryFilterAsANewOne()
    {
        using var temp = new TempDirectory();
        Version1Copy(temp);
        using var store = new SqliteEventStore(new StorageOptions { DataDirectory = temp.Path });
        var migrated = new QueryService(store);

        var expressions = 0;
        foreach (string expression in FilterEquivalenceTests.Expressions())
        {
            // Version 4 learns the client app as sessions are written, version 5 the client's TLS offer, and version 1
            // knew no fault rules: a migrated store cannot know these for the sessions it held before.
            if (expression.Contains("app:") || expression.Contains("altered") || expression.Contains("sni:") || expression.Contains("ja4:")) continue;
            var filter = Filter.Parse(expression);
            Assert.True(Keys(captured.Queries, filter).SequenceEqual(Keys(migrated, filter)), $"events of {expression}");
            Assert.True(captured.Queries.SessionIds(filter).SequenceEqual(migrated.SessionIds(filter)), $"sessions of {expression}");
            expressions++;
        }
        Assert.True(expressions > 100);
    }

    private static List<string> Keys(QueryService queries, Filter filter) =>
        queries.AllEvents(filter, QueryService.MaxPage).Rows.Select(e => $"{e.SessionId}-{e.Sequence}").ToList();

    /// <summary>A file as version 1 made it (its DDL, its version row), holding the captured store's rows.</summary>
    private string Version1Copy(TempDirectory temp)
    {
        var path = temp.Combine(SqliteEventStore.FileName);
        using var connection = new SqliteConnection($"Data Source={path}");
        connection.Open();
        // Version 1 kept raw bytes in the rows: the copy reads them from the captured store's files into its rows, as
        // a file written before version 8 has them (the migration leaves such rows as they are).
        captured.Store.RawFiles!.Register(connection);
        Execute(connection, $"""
            PRAGMA journal_mode = WAL;
            CREATE TABLE schema_version (version INTEGER NOT NULL) STRICT;
            {Schema.Version1}
            INSERT INTO schema_version (version) VALUES (1);
            ATTACH DATABASE '{((SqliteEventStore)captured.Store).FilePath.Replace("'", "''")}' AS src;
            INSERT INTO sessions SELECT {Version1SessionColumns} FROM src.sessions;
            INSERT INTO events SELECT session_id, seq, time, elapsed_us, source, offset, type, kind, tag, name, status, latency_us, json FROM src.events;
            INSERT INTO raw SELECT session_id, direction, "offset", raw_bytes(session_id, direction, position, length, data) FROM src.raw;
            DETACH DATABASE src;
            """);
        SqliteConnection.ClearPool(connection);
        return path;
    }

    // The session columns version 1 made (later versions add theirs at the end).
    private const string Version1SessionColumns = """
        id, started_at, ended_at, client_address, listener_address, listener, upstream, upstream_tls, client_tls,
        upstream_insecure, client_leg_tls, upstream_leg_tls, user, state, mailbox, close_reason, close_detail,
        client_bytes, server_bytes, events, commands, failures, anomalies, dropped_events, capture_incomplete
        """;

    private static List<string> Indexes(SqliteConnection connection) =>
        Column(connection, "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL ORDER BY name")
            .Cast<string>().ToList();

    private static List<object> Column(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<object>();
        while (reader.Read()) values.Add(reader.GetValue(0));
        return values;
    }

    private static long Scalar(SqliteConnection connection, string sql, string? attach = null)
    {
        if (attach is not null) Execute(connection, $"ATTACH DATABASE '{attach.Replace("'", "''")}' AS src");
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            return (long)command.ExecuteScalar()!;
        }
        finally
        {
            if (attach is not null) Execute(connection, "DETACH DATABASE src");
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
