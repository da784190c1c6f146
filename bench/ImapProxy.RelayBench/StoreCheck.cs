using Microsoft.Data.Sqlite;

namespace ImapProxy.RelayBench;

/// <summary>What the proxy stored for one bulk session, next to what its client saw.</summary>
internal sealed record StoredSession(BulkRun Run, long? SessionId, long ServerStored, long ServerGaps, long ClientStored, long ClientGaps,
    long DroppedEvents, bool CaptureIncomplete)
{
    public bool Found => SessionId is not null;

    /// <summary>Every byte the client received is stored (rows of the raw table; their bytes in the raw files beside it), in one gap-free run from offset 0, and so is every byte it sent.</summary>
    public bool Complete => Found && ServerStored == Run.SessionBytesReceived && ServerGaps == 0
                            && ClientStored == Run.SessionBytesSent && ClientGaps == 0 && !CaptureIncomplete;
}

/// <summary>
/// Reads a stopped proxy's SQLite store (imapproxy.db, table raw) and compares each bulk session's stored bytes
/// with the bytes its client counted. The 1 MiB bodies are far below the 16 MiB literal cap, so nothing may be missing.
/// </summary>
internal static class StoreCheck
{
    public static IReadOnlyList<StoredSession> Check(string databaseFile, IEnumerable<BulkRun> runs)
    {
        using var connection = Open(databaseFile);
        return runs.Select(run => Check(connection, run)).ToList();
    }

    /// <summary>A stopped proxy's store, read-only and unpooled (nothing holds the file after the check).</summary>
    public static SqliteConnection Open(string databaseFile)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = databaseFile, Mode = SqliteOpenMode.ReadOnly, Pooling = false,
        }.ToString());
        connection.Open();
        return connection;
    }

    private static StoredSession Check(SqliteConnection connection, BulkRun run)
    {
        // The proxy names a session's client by the address it connected from; the newest match is this run's
        // (an ephemeral port may come round again over a long benchmark).
        using var find = connection.CreateCommand();
        find.CommandText = "SELECT id, dropped_events, capture_incomplete FROM sessions WHERE client_address = $address ORDER BY id DESC LIMIT 1";
        find.Parameters.AddWithValue("$address", run.ClientAddress);
        using var reader = find.ExecuteReader();
        if (!reader.Read()) return new StoredSession(run, null, 0, 0, 0, 0, 0, false);
        var (id, dropped, incomplete) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2) != 0);
        var (serverStored, serverGaps) = Measure(connection, id, "server");
        var (clientStored, clientGaps) = Measure(connection, id, "client");
        return new StoredSession(run, id, serverStored, serverGaps, clientStored, clientGaps, dropped, incomplete);
    }

    /// <summary>Bytes stored for one direction, and how many rows do not start where the previous one ended (the first must start at 0).</summary>
    public static (long Bytes, long Gaps) Measure(SqliteConnection connection, long sessionId, string direction)
    {
        using var command = connection.CreateCommand();
        // A row's length: its length column where its bytes are in the session's raw file (schema version 8), else
        // the size of its data (length() of a BLOB reads the record header, not the bytes).
        command.CommandText = """
            SELECT coalesce(sum(size), 0), coalesce(sum(offset <> expected), 0)
            FROM (SELECT offset, size, coalesce(lag(offset + size) OVER (ORDER BY offset), 0) AS expected
                  FROM (SELECT offset, coalesce(length, length(data)) AS size FROM raw WHERE session_id = $id AND direction = $direction))
            """;
        command.Parameters.AddWithValue("$id", sessionId);
        command.Parameters.AddWithValue("$direction", direction);
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
