using ImapProxy.Storage.Writing;
using Npgsql;

namespace ImapProxy.Storage.Postgres;

/// <summary>
/// Retention's PostgreSQL part: a block of sessions (<see cref="SessionBlocks"/>) that retention would prune whole goes
/// at once, its events and raw partitions dropped (DROP TABLE frees their files at commit; deleting the rows would
/// leave them for VACUUM and write every row's deletion to the WAL), then its sessions rows deleted. Retention deletes
/// what is not in such a block row by row, as on SQLite.
/// </summary>
/// <remarks>
/// A block goes only when it is not the newest one (ids are taken from it), none of its sessions is live, and the next
/// block was opened over <see cref="Settled"/> ago: an id handed out just before that may not have its sessions row
/// yet (the writer has it in its queue), and its rows would find no partition.
/// </remarks>
internal sealed class SessionBlockRetention(TimeProvider time)
{
    public static readonly TimeSpan Settled = TimeSpan.FromMinutes(1);

    // Dropping a partition locks its parent for a moment (ACCESS EXCLUSIVE), behind the queries running on it and ahead
    // of the writer's next batch: rather than hold the writer behind a long dashboard query, it gives up (an error
    // retention logs) and tries at its next round.
    private const string LockTimeout = "2s";

    // The blocks that may go. The next block starts at this one's end; the newest has none.
    private const string Candidates = """
        SELECT b.first_id, b.end_id, b.opened_at FROM event_partitions b
        JOIN event_partitions next ON next.first_id = b.end_id
        WHERE next.opened_at < @settled
          AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id >= b.first_id AND s.id < b.end_id AND s.ended_at IS NULL)
        """;

    /// <summary>Drops every block whose sessions all ended before <paramref name="cutoff"/>; returns how many sessions went.</summary>
    public int DropEndedBefore(NpgsqlConnection connection, string cutoff) =>
        Read(connection, $"""
            {Candidates}
              AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id >= b.first_id AND s.id < b.end_id AND s.ended_at >= @cutoff)
            ORDER BY b.first_id
            """, ("cutoff", cutoff)).Sum(block => Drop(connection, block));

    /// <summary>
    /// Drops the block of the oldest finished session when the size limit would have the row loop delete all its
    /// sessions anyway (the loop deletes the oldest finished session while the store is over its limit): when all of
    /// them but the last hold fewer than <paramref name="excess"/> bytes. Returns how many sessions went (0: none).
    /// </summary>
    public int DropOldestWithin(NpgsqlConnection connection, long excess)
    {
        var block = Read(connection, $"""
            {Candidates}
              AND (SELECT min(id) FROM sessions WHERE ended_at IS NOT NULL) BETWEEN b.first_id AND b.end_id - 1
            """).SingleOrDefault();
        return block is not null && BytesBeforeLastSession(connection, block) < excess ? Drop(connection, block) : 0;
    }

    // What UsedBytes counts (raw bytes and the events' JSON), of the block's sessions but its last.
    private static long BytesBeforeLastSession(NpgsqlConnection connection, SessionBlock block)
    {
        using var last = new NpgsqlCommand($"SELECT max(id) FROM sessions WHERE id >= {block.First} AND id < {block.End}", connection);
        var end = last.ExecuteScalar() is long id ? id : block.First;
        using var bytes = new NpgsqlCommand($"""
            SELECT (SELECT coalesce(sum(octet_length(data)), 0) FROM raw WHERE session_id >= {block.First} AND session_id < {end})
                 + (SELECT coalesce(sum(octet_length(json)), 0) FROM events WHERE session_id >= {block.First} AND session_id < {end})
            """, connection);
        return Convert.ToInt64(bytes.ExecuteScalar());
    }

    /// <summary>
    /// Drops a block's partitions, then deletes its sessions rows; returns how many sessions went. Two transactions:
    /// the drops lock the parent tables (ACCESS EXCLUSIVE), and the writer waits for them, so they commit at once
    /// rather than after the deletion of the block's sessions rows, which doubled that wait (by hand, 7,009 sessions
    /// of 140 events: 90 ms for the drops and their commit, 80 ms for the rows). Between the two the block's sessions
    /// are rows without events; if the deletion fails, retention's row loop deletes them at its next round (they
    /// ended before its cutoff, and are its oldest).
    /// </summary>
    private static int Drop(NpgsqlConnection connection, SessionBlock block)
    {
        using (var transaction = connection.BeginTransaction())
        {
            using var command = new NpgsqlCommand($"SET LOCAL lock_timeout = '{LockTimeout}'; DELETE FROM event_partitions WHERE first_id = {block.First}", connection);
            // 0: another proxy's retention dropped it first (the row's lock had this one wait for its commit).
            if (command.ExecuteNonQuery() == 0) return 0;
            // raw before events, the order the writer takes them in (SessionBlocks.Add says why).
            command.CommandText = $"DROP TABLE {block.RawTable}";
            command.ExecuteNonQuery();
            command.CommandText = $"DROP TABLE {block.EventsTable}";
            command.ExecuteNonQuery();
            transaction.Commit();
        }
        // The cascades find no rows left to delete: the partitions that held them are gone.
        using var delete = new NpgsqlCommand($"DELETE FROM sessions WHERE id >= {block.First} AND id < {block.End}", connection);
        return delete.ExecuteNonQuery();
    }

    private List<SessionBlock> Read(NpgsqlConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("settled", StoredText.Time(time.GetUtcNow() - Settled));
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        using var reader = command.ExecuteReader();
        var blocks = new List<SessionBlock>();
        while (reader.Read()) blocks.Add(new SessionBlock(reader.GetInt64(0), reader.GetInt64(1), StoredText.ParseTime(reader.GetString(2))));
        return blocks;
    }
}
