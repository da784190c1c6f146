using System.Diagnostics;
using ImapProxy.Recording;
using ImapProxy.Storage;
using ImapProxy.Storage.Postgres;
using ImapProxy.Storage.Retention;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ImapProxy.QueryBench;

/// <summary>
/// Retention's two ways on PostgreSQL, for the same data (<c>--retention</c>): the traffic is stored twice, on two days
/// of the store's clock, so in two blocks of session ids. The first block goes as retention drops a block (its two
/// partitions, then its sessions rows), the second, the newest block (ids are taken from it), as retention deletes
/// rows (50 sessions per transaction, cascading to their events and raw rows); then the VACUUM that deleted rows need
/// before their space serves again, which a dropped partition does not.
/// </summary>
internal static class RetentionTimings
{
    public static async Task RunAsync(StorageOptions storage, long events, TextWriter output)
    {
        if (storage.Location is not PostgresLocation location) throw new ArgumentException("--retention needs a PostgreSQL --store");
        var clock = new ReplayClock(Traffic.Start.AddDays(30));
        using var store = new PostgresEventStore(storage, location, clock, SessionBlocks.DefaultSize);
        foreach (var day in new[] { "first", "second" })
        {
            output.WriteLine($"Ingest, {day} block: {events:N0} rows through EventStoreWriter");
            await Ingest.RunAsync(store, events, output);
            clock.Advance(TimeSpan.FromDays(1));
        }
        clock.Advance(SessionBlockRetention.Settled * 2);
        using var connection = new NpgsqlConnection(location.ConnectionString);
        connection.Open();
        output.WriteLine($"Blocks: {Query(connection, "SELECT string_agg(first_id || '..' || end_id, ', ' ORDER BY first_id) FROM event_partitions")}; " +
                         $"{Query(connection, "SELECT count(*) FROM events")} events, {Query(connection, "SELECT pg_size_pretty(pg_database_size(current_database()))")}");

        var (dropped, dropTime, dropWal) = Timed(connection, () => store.DropSessionsEndedBefore(connection, "9999"));
        output.WriteLine($"Drop the first block's partitions: {dropped:N0} sessions in {dropTime:N0} ms, {dropWal:N0} bytes of WAL");

        var retention = new RetentionService(store, new RetentionOptions(TimeSpan.FromSeconds(1), null), clock, NullLogger<RetentionService>.Instance);
        var (deleted, deleteTime, deleteWal) = Timed(connection, retention.PruneOnce);
        output.WriteLine($"Delete the second block's rows: {deleted:N0} sessions in {deleteTime:N0} ms, {deleteWal:N0} bytes of WAL");

        var (_, vacuumTime, vacuumWal) = Timed(connection, () => Query(connection, "VACUUM events, raw"));
        output.WriteLine($"  then VACUUM events, raw: {vacuumTime:N0} ms, {vacuumWal:N0} bytes of WAL; " +
                         $"database {Query(connection, "SELECT pg_size_pretty(pg_database_size(current_database()))")} after both");
    }

    /// <summary>What <paramref name="step"/> returns, the milliseconds it took and the WAL it wrote (the whole
    /// server's: nothing else writes the bench's cluster meanwhile).</summary>
    private static (T Result, double Milliseconds, long WalBytes) Timed<T>(NpgsqlConnection connection, Func<T> step)
    {
        var start = Query(connection, "SELECT pg_current_wal_lsn()::text");
        var clock = Stopwatch.StartNew();
        var result = step();
        var milliseconds = clock.Elapsed.TotalMilliseconds;
        var wal = Convert.ToInt64(Query(connection, $"SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '{start}')"));
        return (result, milliseconds, wal);
    }

    private static object? Query(NpgsqlConnection connection, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        return command.ExecuteScalar();
    }
}
