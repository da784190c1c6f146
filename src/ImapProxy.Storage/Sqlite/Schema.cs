using Microsoft.Data.Sqlite;

namespace ImapProxy.Storage.Sqlite;

/// <summary>
/// The tables of the event store and their migrations. Rows are storage, not UI models: one row per event
/// (its JSON plus the columns filters and lists need), raw bytes per direction in rows of bounded size.
/// </summary>
internal static class Schema
{
    public const int Version = 1;

    // Times are ISO-8601 UTC text of fixed width, so text order is time order and the file reads well in sqlite3.
    // STRICT makes SQLite reject a value of the wrong type instead of storing it silently.
    private const string Version1 = """
        CREATE TABLE sessions (
            id                 INTEGER PRIMARY KEY,
            started_at         TEXT NOT NULL,
            ended_at           TEXT,
            client_address     TEXT,
            listener_address   TEXT,
            listener           TEXT,
            upstream           TEXT,
            upstream_tls       TEXT,
            client_tls         TEXT,
            upstream_insecure  INTEGER NOT NULL DEFAULT 0,
            client_leg_tls     TEXT,
            upstream_leg_tls   TEXT,
            user               TEXT,
            state              TEXT,
            mailbox            TEXT,
            close_reason       TEXT,
            close_detail       TEXT,
            client_bytes       INTEGER,
            server_bytes       INTEGER,
            events             INTEGER NOT NULL DEFAULT 0,
            commands           INTEGER NOT NULL DEFAULT 0,
            failures           INTEGER NOT NULL DEFAULT 0,
            anomalies          INTEGER NOT NULL DEFAULT 0,
            dropped_events     INTEGER NOT NULL DEFAULT 0,
            capture_incomplete INTEGER NOT NULL DEFAULT 0
        ) STRICT;

        CREATE TABLE events (
            session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            seq        INTEGER NOT NULL,
            time       TEXT NOT NULL,
            elapsed_us INTEGER NOT NULL,
            source     TEXT NOT NULL,
            offset     INTEGER,
            type       TEXT NOT NULL,
            kind       TEXT,
            tag        TEXT,
            name       TEXT,
            status     TEXT,
            latency_us INTEGER,
            json       TEXT NOT NULL,
            PRIMARY KEY (session_id, seq)
        ) STRICT;
        -- The primary key already orders a session's events; these serve filters across sessions.
        CREATE INDEX events_by_name ON events (name, session_id);
        CREATE INDEX events_by_time ON events (time);

        -- Rows hold consecutive bytes of one direction; a gap between rows is bytes the capture did not keep
        -- (the cut part of a truncated literal).
        CREATE TABLE raw (
            session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            direction  TEXT NOT NULL CHECK (direction IN ('client', 'server')),
            offset     INTEGER NOT NULL,
            data       BLOB NOT NULL,
            PRIMARY KEY (session_id, direction, offset)
        ) STRICT;
        """;

    /// <summary>Creates the tables in an empty database, or checks that an existing one is ours and current.</summary>
    public static void Migrate(SqliteConnection connection, string path)
    {
        using var transaction = connection.BeginTransaction();
        var version = ReadVersion(connection, transaction, path);
        if (version > Version)
            throw new EventStoreException(
                $"{path} was written by a newer ImapProxy (schema version {version}, this one knows {Version}); upgrade ImapProxy or use another data directory");
        if (version < 1)
        {
            Execute(connection, transaction, Version1);
            Execute(connection, transaction, $"INSERT INTO schema_version (version) VALUES ({Version})");
        }
        transaction.Commit();
    }

    private static long ReadVersion(SqliteConnection connection, SqliteTransaction transaction, string path)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'";
        if ((long)command.ExecuteScalar()! == 0)
        {
            // Tables without our version table: somebody else's database; writing ours into it would mix the two.
            command.CommandText = "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
            if ((long)command.ExecuteScalar()! > 0)
                throw new EventStoreException($"{path} is a SQLite database but not an ImapProxy event store; use another data directory");
            command.CommandText = "CREATE TABLE schema_version (version INTEGER NOT NULL) STRICT";
            command.ExecuteNonQuery();
            return 0;
        }
        command.CommandText = "SELECT coalesce(max(version), 0) FROM schema_version";
        return (long)command.ExecuteScalar()!;
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
