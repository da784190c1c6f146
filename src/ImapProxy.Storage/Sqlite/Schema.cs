using Microsoft.Data.Sqlite;

namespace ImapProxy.Storage.Sqlite;

/// <summary>
/// The tables of the event store and their migrations. Rows are storage, not UI models: one row per event
/// (its JSON plus the columns filters and lists need), raw bytes per direction in rows of bounded size.
/// </summary>
internal static class Schema
{
    public static int Version => Migrations.Length;

    /// <summary>Frames this long and longer are in the partial index events_large (the number is repeated there).</summary>
    public const long LargeFrameBytes = 16384;

    // Times are ISO-8601 UTC text of fixed width, so text order is time order and the file reads well in sqlite3.
    // STRICT makes SQLite reject a value of the wrong type instead of storing it silently.
    internal const string Version1 = """
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

    // What the filter language needs to answer a first page from an index instead of a scan (Query/README.md).
    // Virtual columns are computed from the row, never stored: nothing writes them, and a version 1 file only gains
    // index entries. Each has a partial index whose entries, for one value, are in (session_id, seq) order: the order
    // the queries read in, so a page walks the index and stops instead of sorting.
    // Query/EventFacts.cs computes the same values in memory, for the live views.
    // - command: the command name of command frames and completions without "UID " (RFC 3501 §6.4.8: UID FETCH is
    //   FETCH by UID), so cmd:FETCH is one equality whose index entries are already in page order. Latency and
    //   status ride along in the index: "cmd:FETCH latency>500ms" is decided from index entries, without reading the
    //   rows that do not match ("cmd:FETCH status:NO" also reads the tag of each FETCH row: status: is tagged only).
    // - command_mailbox: the mailbox a command names (SELECT, STATUS, APPEND, COPY...), for mailbox:; NOCASE like
    //   the filter's matching, so the index serves it.
    // - size: a frame's length, literals included. Ranges cannot be walked in page order, but large frames are few:
    //   a partial index holds frames of LargeFrameBytes and more, in page order, for size>1MB and the like.
    // - anomalous: a frame the parser flagged. The JSON escapes quotes inside strings, so this text can only be the
    //   start of a non-empty diagnostics list.
    // The version 1 indexes by name and by time served nothing but the filter, which no longer uses them: dropped,
    // so that inserts maintain fewer indexes than before.
    private const string Version2 = """
        ALTER TABLE events ADD COLUMN command TEXT GENERATED ALWAYS AS (
            CASE WHEN (type = 'frame' AND kind = 'command') OR type = 'command-completed'
                 THEN iif(substr(name, 1, 4) = 'UID ', substr(name, 5), name) END) VIRTUAL;
        ALTER TABLE events ADD COLUMN command_mailbox TEXT GENERATED ALWAYS AS (
            iif(kind = 'command', json_extract(json, '$.frame.args.mailbox'), NULL)) VIRTUAL;
        ALTER TABLE events ADD COLUMN size INTEGER GENERATED ALWAYS AS (
            iif(type = 'frame', json_extract(json, '$.frame.length'), NULL)) VIRTUAL;
        ALTER TABLE events ADD COLUMN anomalous INTEGER GENERATED ALWAYS AS (
            type = 'frame' AND instr(json, '"diagnostics":[{') > 0) VIRTUAL;
        CREATE INDEX events_by_command ON events (command, session_id, seq, latency_us, status) WHERE command IS NOT NULL;
        CREATE INDEX events_by_mailbox ON events (command_mailbox COLLATE NOCASE, session_id, seq) WHERE command_mailbox IS NOT NULL;
        CREATE INDEX events_large ON events (session_id, seq) WHERE size >= 16384;
        CREATE INDEX events_with_anomalies ON events (session_id, seq) WHERE anomalous;
        DROP INDEX events_by_name;
        DROP INDEX events_by_time;
        """;

    // Version 3: session ids come from a counter in the file, so every process that writes sessions (the proxy, an
    // import, a replay) takes ids that no other one takes.
    private const string Version3 = """
        CREATE TABLE session_counter (last INTEGER NOT NULL) STRICT;
        INSERT INTO session_counter SELECT coalesce(max(id), 0) FROM sessions;
        """;

    // Version 4: findings (the findings engine's conclusions, events of type 'finding' named by their rule, severity
    // in kind). The session row counts those of warning or error severity, the ones a user should look at; a
    // partial index serves finding: filters and the findings overview. Which client app the session came from. And
    // a session the proxy altered by a fault rule (a proxy action "fault") is marked, for the list and altered:.
    private const string Version4 = """
        ALTER TABLE sessions ADD COLUMN findings INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE sessions ADD COLUMN client_app TEXT;
        CREATE INDEX events_findings ON events (session_id, seq) WHERE type = 'finding';
        ALTER TABLE sessions ADD COLUMN altered INTEGER NOT NULL DEFAULT 0;
        """;

    // Version 5: what the client offered in its TLS ClientHello on the client leg, for sni: and ja4: (the rest of
    // the offer is in the TLS handshake event's JSON).
    private const string Version5 = """
        ALTER TABLE sessions ADD COLUMN client_sni TEXT;
        ALTER TABLE sessions ADD COLUMN client_ja4 TEXT;
        """;

    // Version 6: the proxy instance that relayed the session (--instance), as in the PostgreSQL store where several
    // proxies share one database; a SQLite file is one proxy's, but carries the name to exports and merges.
    private const string Version6 = """
        ALTER TABLE sessions ADD COLUMN instance TEXT;
        """;

    // Version 7: a trigram index of the events' JSON, so that text: finds rare substrings without reading every row
    // (Sqlite/TextIndex.cs). Contentless (the JSON is in events already; only the index is stored) and without
    // positions (detail=none): a query is the trigrams of the term joined by AND, a superset that the exact LIKE
    // then checks. Tokenizing costs more than the rest of an insert, so the writer indexes when it is idle, in
    // rowid order up to events_text_indexed.up_to; every row at or below that mark is in the index:
    // - a row inserted at or below it (a rowid freed by retention and taken again) is indexed by the insert trigger;
    // - a deleted row leaves the index by the delete trigger (retention's cascades fire it too).
    // Rows above the mark are the index's tail: text: adds them to its candidates unchecked. A file migrated to
    // this version starts with everything in the tail; the writer works through it when idle.
    private const string Version7 = """
        CREATE VIRTUAL TABLE events_text USING fts5 (json, content = '', contentless_delete = 1, tokenize = 'trigram', detail = 'none');
        CREATE TABLE events_text_indexed (up_to INTEGER NOT NULL) STRICT;
        INSERT INTO events_text_indexed VALUES (0);
        CREATE TRIGGER events_text_insert AFTER INSERT ON events
            WHEN new.rowid <= (SELECT up_to FROM events_text_indexed)
            BEGIN INSERT INTO events_text (rowid, json) VALUES (new.rowid, new.json); END;
        CREATE TRIGGER events_text_delete AFTER DELETE ON events
            WHEN old.rowid <= (SELECT up_to FROM events_text_indexed)
            BEGIN DELETE FROM events_text WHERE rowid = old.rowid; END;
        """;

    // Raw bytes move out of the database into a file per session and direction (RawFiles): a new row says where its
    // bytes are in the file (position, length) and leaves data empty. Rows written before keep their bytes in data
    // (position NULL); readers take either through raw_bytes() and the row's length through SqlDialect.RawLength.
    private const string Version8 = """
        ALTER TABLE raw ADD COLUMN position INTEGER;
        ALTER TABLE raw ADD COLUMN length INTEGER;
        """;

    // Version n is entry n - 1: a new version is a new entry, never an edit of one a file may already have.
    private static readonly string[] Migrations = [Version1, Version2, Version3, Version4, Version5, Version6, Version7, Version8];

    /// <summary>Creates the tables in an empty database, or checks that an existing one is ours and brings it up to date.</summary>
    public static void Migrate(SqliteConnection connection, string path)
    {
        using var transaction = connection.BeginTransaction();
        var version = ReadVersion(connection, transaction, path);
        if (version > Version)
            throw new EventStoreException(
                $"{path} was written by a newer ImapProxy (schema version {version}, this one knows {Version}); upgrade ImapProxy or use another data directory");
        // Each step in the same transaction as its version row: a file is at one version or the next, never between.
        for (var next = (int)version + 1; next <= Version; next++)
        {
            Execute(connection, transaction, Migrations[next - 1]);
            Execute(connection, transaction, $"INSERT INTO schema_version (version) VALUES ({next})");
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
