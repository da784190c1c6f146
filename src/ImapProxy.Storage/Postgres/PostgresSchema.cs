using Npgsql;

namespace ImapProxy.Storage.Postgres;

/// <summary>
/// The PostgreSQL store's tables: the columns of the SQLite schema (Sqlite/Schema.cs, version 5) with the same names
/// and meanings, so that every statement outside the engines reads both. Its own version numbers, one migration per
/// entry of <see cref="Migrations"/>: a new column is a new entry (ALTER TABLE ... ADD COLUMN), never an edit of an
/// old one.
/// </summary>
/// <remarks>
/// Choices that differ from SQLite, and why:
/// <list type="bullet">
/// <item>Every text column is COLLATE "C": ordinal order, and lower() and ILIKE fold ASCII letters only, as SQLite
/// and the in-memory filter do, whatever the database's default collation.</item>
/// <item>Times are text in the same fixed-width ISO-8601 UTC form (StoredText.Time): events carry 100 ns ticks,
/// which timestamptz (microseconds) would round, and the filter compares them as text on both engines.</item>
/// <item>command, command_mailbox, size and anomalous are plain columns the writer fills (EventFacts computes them,
/// as for the live views), not generated from the JSON: jsonb refuses the \u0000 escape that captured wire data can
/// hold, and a generated column that fails would fail the whole batch.</item>
/// <item>Session ids come from the sequence session_ids: every proxy and tool on the database takes its own.</item>
/// <item>events and raw are partitioned by ranges of session ids (version 3, <see cref="SessionBlocks"/>), so that
/// retention drops old sessions' rows a partition at a time instead of deleting them one by one.</item>
/// </list>
/// </remarks>
internal static class PostgresSchema
{
    public static readonly string[] Migrations =
    [
        // 1: what SQLite's versions 1 to 5 hold.
        """
        CREATE SEQUENCE session_ids;

        CREATE TABLE sessions (
            id                 bigint PRIMARY KEY,
            started_at         text COLLATE "C" NOT NULL,
            ended_at           text COLLATE "C",
            client_address     text COLLATE "C",
            listener_address   text COLLATE "C",
            listener           text COLLATE "C",
            upstream           text COLLATE "C",
            upstream_tls       text COLLATE "C",
            client_tls         text COLLATE "C",
            upstream_insecure  boolean NOT NULL DEFAULT false,
            client_leg_tls     text COLLATE "C",
            upstream_leg_tls   text COLLATE "C",
            "user"             text COLLATE "C",
            state              text COLLATE "C",
            mailbox            text COLLATE "C",
            close_reason       text COLLATE "C",
            close_detail       text COLLATE "C",
            client_bytes       bigint,
            server_bytes       bigint,
            events             bigint NOT NULL DEFAULT 0,
            commands           bigint NOT NULL DEFAULT 0,
            failures           bigint NOT NULL DEFAULT 0,
            anomalies          bigint NOT NULL DEFAULT 0,
            dropped_events     bigint NOT NULL DEFAULT 0,
            capture_incomplete boolean NOT NULL DEFAULT false,
            findings           bigint NOT NULL DEFAULT 0,
            client_app         text COLLATE "C",
            altered            boolean NOT NULL DEFAULT false,
            instance           text COLLATE "C"
        );
        CREATE INDEX sessions_open ON sessions (instance) WHERE ended_at IS NULL;

        CREATE TABLE events (
            session_id      bigint NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            seq             bigint NOT NULL,
            time            text COLLATE "C" NOT NULL,
            elapsed_us      bigint NOT NULL,
            source          text COLLATE "C" NOT NULL,
            "offset"        bigint,
            type            text COLLATE "C" NOT NULL,
            kind            text COLLATE "C",
            tag             text COLLATE "C",
            name            text COLLATE "C",
            status          text COLLATE "C",
            latency_us      bigint,
            json            text COLLATE "C" NOT NULL,
            command         text COLLATE "C",
            command_mailbox text COLLATE "C",
            size            bigint,
            anomalous       boolean NOT NULL DEFAULT false,
            PRIMARY KEY (session_id, seq)
        );
        -- The filter's indexes (Query/README.md), each ending with the page order (session_id, seq).
        CREATE INDEX events_by_command ON events (command, session_id, seq) INCLUDE (latency_us, status) WHERE command IS NOT NULL;
        CREATE INDEX events_by_mailbox ON events (lower(command_mailbox), session_id, seq) WHERE command_mailbox IS NOT NULL;
        CREATE INDEX events_large ON events (session_id, seq) WHERE size >= 16384;
        CREATE INDEX events_with_anomalies ON events (session_id, seq) WHERE anomalous;
        CREATE INDEX events_findings ON events (session_id, seq) WHERE type = 'finding';

        CREATE TABLE raw (
            session_id bigint NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            direction  text COLLATE "C" NOT NULL CHECK (direction IN ('client', 'server')),
            "offset"   bigint NOT NULL,
            data       bytea NOT NULL,
            PRIMARY KEY (session_id, direction, "offset")
        );
        """,
        // 2: what the client offered in its TLS ClientHello on the client leg, for sni: and ja4:.
        """
        ALTER TABLE sessions ADD COLUMN client_sni text COLLATE "C";
        ALTER TABLE sessions ADD COLUMN client_ja4 text COLLATE "C";
        """,
        // 3: events and raw partitioned by ranges of session ids, blocks that SessionBlocks opens and retention drops
        // whole (SessionBlocks.cs says why). The tables as they are become the first block's partitions, in place:
        // renamed, then attached: ATTACH PARTITION scans them once to check the bound (no copy), and adopts their
        // keys, indexes and foreign keys as partitions of the parent's equivalent ones (PostgreSQL manual, ALTER
        // TABLE, ATTACH PARTITION). The parents take the columns from them (LIKE), so the columns are not written
        // twice. Block 0 ends at the first id not handed out yet: the next session opens a block of its own.
        """
        ALTER TABLE events RENAME TO events_p0;
        ALTER INDEX events_pkey RENAME TO events_p0_pkey;
        ALTER INDEX events_by_command RENAME TO events_p0_by_command;
        ALTER INDEX events_by_mailbox RENAME TO events_p0_by_mailbox;
        ALTER INDEX events_large RENAME TO events_p0_large;
        ALTER INDEX events_with_anomalies RENAME TO events_p0_with_anomalies;
        ALTER INDEX events_findings RENAME TO events_p0_findings;
        ALTER TABLE raw RENAME TO raw_p0;
        ALTER INDEX raw_pkey RENAME TO raw_p0_pkey;

        CREATE TABLE events (
            LIKE events_p0 INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
            PRIMARY KEY (session_id, seq),
            CONSTRAINT events_session_id_fkey FOREIGN KEY (session_id) REFERENCES sessions (id) ON DELETE CASCADE
        ) PARTITION BY RANGE (session_id);
        -- The filter's indexes again, on the parent: partitioned indexes, which every partition gets.
        CREATE INDEX events_by_command ON events (command, session_id, seq) INCLUDE (latency_us, status) WHERE command IS NOT NULL;
        CREATE INDEX events_by_mailbox ON events (lower(command_mailbox), session_id, seq) WHERE command_mailbox IS NOT NULL;
        CREATE INDEX events_large ON events (session_id, seq) WHERE size >= 16384;
        CREATE INDEX events_with_anomalies ON events (session_id, seq) WHERE anomalous;
        CREATE INDEX events_findings ON events (session_id, seq) WHERE type = 'finding';

        CREATE TABLE raw (
            LIKE raw_p0 INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
            PRIMARY KEY (session_id, direction, "offset"),
            CONSTRAINT raw_session_id_fkey FOREIGN KEY (session_id) REFERENCES sessions (id) ON DELETE CASCADE
        ) PARTITION BY RANGE (session_id);

        -- One row per block of session ids [first_id, end_id), whose partitions are events_p<first_id> and
        -- raw_p<first_id>; blocks follow each other (a block's end is the next one's first). opened_at is
        -- StoredText.Time's form.
        CREATE TABLE event_partitions (
            first_id  bigint PRIMARY KEY,
            end_id    bigint NOT NULL,
            opened_at text COLLATE "C" NOT NULL
        );

        DO $$
        DECLARE
            next_id bigint := (SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM session_ids);
        BEGIN
            -- From MINVALUE, not 1: no row already there can fail the attachment, whatever wrote it.
            EXECUTE format('ALTER TABLE events ATTACH PARTITION events_p0 FOR VALUES FROM (MINVALUE) TO (%s)', next_id);
            EXECUTE format('ALTER TABLE raw ATTACH PARTITION raw_p0 FOR VALUES FROM (MINVALUE) TO (%s)', next_id);
            INSERT INTO event_partitions VALUES (0, next_id, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"0Z"'));
        END $$;
        """,
    ];

    public static int Version => Migrations.Length;

    /// <summary>Creates the tables in an empty database (or schema), or checks that it is ours and brings it up to date.
    /// Several proxies may start at once on one database: an advisory lock lets one migrate while the others wait.</summary>
    public static void Migrate(NpgsqlConnection connection, string location)
    {
        using var transaction = connection.BeginTransaction();
        Execute(connection, "SELECT pg_advisory_xact_lock(7243516)"); // any constant of ours: "the schema of ImapProxy"
        var version = ReadVersion(connection, location);
        if (version > Version)
            throw new EventStoreException(
                $"{location} was written by a newer ImapProxy (schema version {version}, this one knows {Version}); upgrade ImapProxy");
        // Each step with its version row, in one transaction: DDL is transactional in PostgreSQL.
        for (var next = version + 1; next <= Version; next++)
        {
            Execute(connection, Migrations[next - 1]);
            Execute(connection, $"INSERT INTO imapproxy_schema_version (version) VALUES ({next})");
        }
        transaction.Commit();
    }

    private static long ReadVersion(NpgsqlConnection connection, string location)
    {
        if (Scalar(connection, "SELECT to_regclass('imapproxy_schema_version') IS NOT NULL") is true)
            return Convert.ToInt64(Scalar(connection, "SELECT coalesce(max(version), 0) FROM imapproxy_schema_version"));
        // Tables of ours without the version table: somebody else's database, or someone else's tables by those names.
        if (Scalar(connection, "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename IN ('sessions', 'events', 'raw')") is not 0L)
            throw new EventStoreException($"{location} has tables named sessions, events or raw that are not an ImapProxy store; use another database or schema");
        Execute(connection, "CREATE TABLE imapproxy_schema_version (version bigint NOT NULL)");
        return 0;
    }

    private static void Execute(NpgsqlConnection connection, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    private static object? Scalar(NpgsqlConnection connection, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection);
        return command.ExecuteScalar();
    }
}
