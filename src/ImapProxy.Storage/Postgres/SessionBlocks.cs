using ImapProxy.Storage.Writing;
using Npgsql;

namespace ImapProxy.Storage.Postgres;

/// <summary>
/// Hands out session ids so that every id has its partitions before its first row is written. events and raw are
/// partitioned by RANGE (session_id), in blocks of ids (<see cref="SessionBlock"/>, table event_partitions):
/// session_id leads every key, so a partition key on it keeps the primary keys and ON CONFLICT (session_id, seq)
/// (PostgreSQL requires the partition key in every unique key), and a session's rows are all in one partition,
/// however long it lives. Ids grow with time, and a block is closed at the end of the UTC day it was opened on (or
/// once full), so a block holds at most one day of new sessions and retention can drop it whole once they have
/// all ended long enough ago (<see cref="SessionBlockRetention"/>).
/// </summary>
/// <remarks>
/// Taking an id is one statement while this process's current block was opened today and has room: nextval, under a
/// shared advisory lock. Otherwise, under the exclusive one (which no nextval of a proxy runs beside), the proxy reads
/// the newest block again (another proxy may have opened it), opens a block for the ids already handed out beyond it,
/// and, when the newest block was opened on an earlier day, opens the next one and moves the sequence to its first id.
/// Several proxies doing so at once open each block once and never hand out an id twice: setval only ever moves the
/// sequence forward, past every id handed out, while no proxy can take one.
/// </remarks>
internal sealed class SessionBlocks(NpgsqlDataSource dataSource, TimeProvider time, long blockSize)
{
    /// <summary>Ids per block. The day closes a block long before a million sessions fill it on most proxies, so
    /// there is a partition per day with sessions; a proxy busier than that gets a few per day, not thousands.</summary>
    public const long DefaultSize = 1_000_000;

    // Any constant of ours, "the session id blocks of ImapProxy" (the schema's lock is 7243516).
    private const long LockKey = 7243517;

    private SessionBlock? current;

    public long Next()
    {
        if (current is { } block && !block.OpenedBefore(Today))
        {
            var id = TakeId(shared: true);
            if (block.Contains(id)) return id;
            return Open(taken: id);
        }
        return Open(taken: null);
    }

    private DateOnly Today => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);

    private long TakeId(bool shared)
    {
        using var connection = dataSource.OpenConnection();
        return TakeId(connection, shared);
    }

    // The shared lock is taken and let go by the statement itself (its own transaction): MATERIALIZED makes it run before nextval.
    private static long TakeId(NpgsqlConnection connection, bool shared) => (long)Scalar(connection, shared
        ? $"WITH locked AS MATERIALIZED (SELECT pg_advisory_xact_lock_shared({LockKey})) SELECT nextval('session_ids') FROM locked"
        : "SELECT nextval('session_ids')")!;

    /// <summary>Under the exclusive lock: opens what blocks the ids need, then hands out <paramref name="taken"/>, or a new id.</summary>
    private long Open(long? taken)
    {
        using var connection = dataSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        Scalar(connection, $"SELECT pg_advisory_xact_lock({LockKey})");
        var newest = Cover(connection, Newest(connection), HandedOut(connection));
        if (newest.OpenedBefore(Today))
        {
            newest = Add(connection, newest.End, newest.End + blockSize);
            Scalar(connection, $"SELECT setval('session_ids', {newest.First}, false)");
        }
        var id = taken ?? TakeId(connection, shared: false);
        newest = Cover(connection, newest, id);
        transaction.Commit();
        current = newest;
        return id;
    }

    /// <summary>The newest block, extended by one block that reaches <paramref name="id"/> when it does not.</summary>
    private SessionBlock Cover(NpgsqlConnection connection, SessionBlock newest, long id) =>
        id < newest.End ? newest : Add(connection, newest.End, newest.End + (id - newest.End) / blockSize * blockSize + blockSize);

    /// <summary>
    /// Creates a block's partitions as tables of their own, then attaches them: CREATE TABLE ... PARTITION OF would lock
    /// the parent against the writer's inserts (ACCESS EXCLUSIVE), ATTACH PARTITION takes a lock they pass (SHARE UPDATE
    /// EXCLUSIVE; PostgreSQL manual, "Partition Maintenance"). It still waits for the writer's transaction of the moment
    /// (the foreign key to sessions), never the other way round: raw before events, the order the writer's batches and
    /// retention's drops take them in, so that none of them waits for another that waits for it.
    /// </summary>
    private SessionBlock Add(NpgsqlConnection connection, long first, long end)
    {
        var block = new SessionBlock(first, end, time.GetUtcNow());
        using var command = new NpgsqlCommand($"""
            CREATE TABLE {block.RawTable} (LIKE raw INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
            ALTER TABLE raw ATTACH PARTITION {block.RawTable} FOR VALUES FROM ({first}) TO ({end});
            CREATE TABLE {block.EventsTable} (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
            ALTER TABLE events ATTACH PARTITION {block.EventsTable} FOR VALUES FROM ({first}) TO ({end});
            INSERT INTO event_partitions (first_id, end_id, opened_at) VALUES ({first}, {end}, @opened);
            """, connection);
        command.Parameters.AddWithValue("opened", StoredText.Time(block.OpenedAt));
        command.ExecuteNonQuery();
        return block;
    }

    private static SessionBlock Newest(NpgsqlConnection connection)
    {
        using var command = new NpgsqlCommand("SELECT first_id, end_id, opened_at FROM event_partitions ORDER BY first_id DESC LIMIT 1", connection);
        using var reader = command.ExecuteReader();
        // The migration made block 0, and retention never drops the newest block: none is someone's hand in the table.
        if (!reader.Read()) throw new EventStoreException("the PostgreSQL store has no row in event_partitions: it cannot place new sessions");
        return new SessionBlock(reader.GetInt64(0), reader.GetInt64(1), StoredText.ParseTime(reader.GetString(2)));
    }

    /// <summary>The largest id the sequence has handed out (0 for none).</summary>
    private static long HandedOut(NpgsqlConnection connection) =>
        (long)Scalar(connection, "SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM session_ids")!;

    private static object? Scalar(NpgsqlConnection connection, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection);
        return command.ExecuteScalar();
    }
}
