using System.Collections.Concurrent;
using ImapProxy.Protocol;
using ImapProxy.Recording;
using ImapProxy.Recording.Events;
using ImapProxy.Storage.Postgres;
using ImapProxy.Storage.Query;
using ImapProxy.Storage.Tests.Support;
using ImapProxy.Storage.Writing;
using ImapProxy.TestSupport;
using Npgsql;

namespace ImapProxy.Storage.Tests.Postgres;

/// <summary>
/// events and raw are partitioned by blocks of session ids (<see cref="SessionBlocks"/>): every id handed out has its
/// partitions, a new UTC day starts a new block, proxies doing so at once agree, and a store made before partitioning
/// keeps its rows. Blocks are a few ids here, so that a few sessions cross them; the clock is one the test moves.
/// </summary>
public sealed class SessionBlocksTests
{
    private static readonly DateTimeOffset Day1 = new(2026, 6, 1, 22, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task IdsCrossingBlocks_OpenTheirPartitions_AndEachSessionsRowsGoToItsOwn()
    {
        var database = await NewDatabaseAsync();
        await using var h = new StoreHarness(postgres: database, open: o => Open(o, new ReplayClock(Day1), blockSize: 3));
        await h.StartAsync();

        var ids = Enumerable.Range(0, 7).Select(_ => h.Store.NextSessionId()).ToList();

        Assert.Equal([1L, 2, 3, 4, 5, 6, 7], ids);
        // Block 0 is what the schema's migration made (ids before partitioning: none here); then one block per three ids.
        Assert.Equal([(0L, 1L), (1L, 4L), (4L, 7L), (7L, 10L)], await BlocksAsync(database));
        Assert.Equal(["events_p0", "events_p1", "events_p4", "events_p7"], await PartitionsAsync(database, "events"));
        Assert.Equal(["raw_p0", "raw_p1", "raw_p4", "raw_p7"], await PartitionsAsync(database, "raw"));

        foreach (var e in Synthetic.Session(3, 4).Concat(Synthetic.Session(4, 2))) h.Bus.Publish(e);
        h.Bus.Publish(Synthetic.Raw(4, EventSource.Client, 0, "a1 NOOP\r\n"u8.ToArray()));
        await h.IdleAsync();

        Assert.Equal(0, h.Writer.EventsLost);
        Assert.Equal([1L, 2, 3, 4], h.Store.GetEvents(3, 0, 10).Select(e => e.Sequence));
        Assert.Equal("a1 NOOP\r\n"u8.ToArray(), h.Store.GetRaw(4, Direction.Client));
        Assert.Equal([("events_p1", 4L), ("events_p4", 2L)], await RowsByPartitionAsync(database, "events"));
        Assert.Equal([("raw_p4", 1L)], await RowsByPartitionAsync(database, "raw"));
    }

    [Fact]
    public async Task PagesOverSeveralBlocks_ComeInPageOrder_FromCursorToCursor()
    {
        var database = await NewDatabaseAsync();
        await using var h = new StoreHarness(postgres: database, open: o => Open(o, new ReplayClock(Day1), blockSize: 2));
        await h.StartAsync();
        foreach (var id in Enumerable.Range(0, 5).Select(_ => h.Store.NextSessionId()).ToList())
            foreach (var e in Synthetic.Session(id, 3)) h.Bus.Publish(e);
        await h.IdleAsync();
        Assert.Equal(["events_p0", "events_p1", "events_p3", "events_p5"], await PartitionsAsync(database, "events"));
        var queries = new QueryService(h.Store);

        // Pages of four events, so that pages end inside sessions and blocks alike.
        List<(long, long)> AllEvents(bool newestFirst)
        {
            var rows = new List<(long, long)>();
            EventCursor? cursor = null;
            do
            {
                var page = queries.AllEvents(null, 4, cursor, newestFirst);
                rows.AddRange(page.Rows.Select(e => (e.SessionId, e.Sequence)));
                cursor = page.Next;
            } while (cursor is not null);
            return rows;
        }
        var oldestFirst = (from session in new long[] { 1, 2, 3, 4, 5 } from seq in new long[] { 1, 2, 3 } select (session, seq)).ToList();
        Assert.Equal(oldestFirst, AllEvents(newestFirst: false));
        Assert.Equal(Enumerable.Reverse(oldestFirst), AllEvents(newestFirst: true));

        var first = queries.Sessions(null, 2);
        var second = queries.Sessions(null, 2, first.Next);
        var third = queries.Sessions(null, 2, second.Next);
        Assert.Equal([5L, 4, 3, 2, 1], first.Rows.Concat(second.Rows).Concat(third.Rows).Select(s => s.Id));
        Assert.Null(third.Next);
    }

    [Fact]
    public async Task ANewUtcDay_StartsANewBlock_ThoughTheCurrentOneHasRoom()
    {
        var database = await NewDatabaseAsync();
        var clock = new ReplayClock(Day1);
        using var store = Open(Options(database), clock, blockSize: 100);

        Assert.Equal([1L, 2], new[] { store.NextSessionId(), store.NextSessionId() });
        clock.Advance(TimeSpan.FromHours(3)); // 01:00 the next day
        Assert.Equal([101L, 102], new[] { store.NextSessionId(), store.NextSessionId() });

        Assert.Equal([(0L, 1L), (1L, 101L), (101L, 201L)], await BlocksAsync(database));
        Assert.Equal(["events_p0", "events_p1", "events_p101"], await PartitionsAsync(database, "events"));
    }

    [Fact]
    public async Task TwoProxiesRollingToANewDayAtOnce_NeverShareAnId_AndOpenEachBlockOnce()
    {
        var database = await NewDatabaseAsync();
        var clock = new ReplayClock(Day1);
        using var first = Open(Options(database), clock, blockSize: 5);
        using var second = Open(Options(database), clock, blockSize: 5);
        // Both have the day's block in hand...
        var yesterday = new[] { first.NextSessionId(), second.NextSessionId() };
        clock.Advance(TimeSpan.FromDays(1));

        // ...and find together that the day has changed: four threads each, a hundred ids each, crossing blocks of five.
        var ids = new ConcurrentBag<long>();
        using var start = new Barrier(8);
        await Task.WhenAll(new[] { first, second }.SelectMany(store => Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            start.SignalAndWait(StoreHarness.Timeout);
            for (var i = 0; i < 100; i++) ids.Add(store.NextSessionId());
        }))));

        Assert.Equal(800, ids.Distinct().Count());
        var blocks = await BlocksAsync(database);
        // The blocks follow each other, each has its two partitions once, and every id is in one of them.
        Assert.All(blocks.Zip(blocks.Skip(1)), pair => Assert.Equal(pair.First.End, pair.Second.First));
        Assert.Equal(blocks.Select(b => $"events_p{b.First}").Order(StringComparer.Ordinal), await PartitionsAsync(database, "events"));
        Assert.Equal(blocks.Select(b => $"raw_p{b.First}").Order(StringComparer.Ordinal), await PartitionsAsync(database, "raw"));
        Assert.True(ids.Max() < blocks[^1].End);
        // Today's ids are all in blocks opened today: the first one of them starts after yesterday's block.
        Assert.Equal([(0L, 1L), (1L, 6L), (6L, 11L)], blocks[..3]);
        Assert.Equal([1L, 2], yesterday.Order());
        Assert.Equal(6, ids.Min());
    }

    [Fact]
    public async Task AStoreAtSchemaVersion2_KeepsItsRowsInPlace_AndNewSessionsGoToNewBlocks()
    {
        var database = await NewDatabaseAsync();
        var opened = StoredText.Time(Synthetic.Time);
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            // Schema version 2 as it was made, with one session of two events and a raw row; id 2 was taken and never written.
            await ExecuteAsync(connection, "CREATE TABLE imapproxy_schema_version (version bigint NOT NULL)");
            await ExecuteAsync(connection, PostgresSchema.Migrations[0]);
            await ExecuteAsync(connection, PostgresSchema.Migrations[1]);
            await ExecuteAsync(connection, $$"""
                INSERT INTO imapproxy_schema_version VALUES (1), (2);
                SELECT nextval('session_ids'), nextval('session_ids');
                INSERT INTO sessions (id, started_at, ended_at, "user", events, commands) VALUES (1, '{{opened}}', '{{opened}}', 'alice', 2, 1);
                INSERT INTO events (session_id, seq, time, elapsed_us, source, type, kind, tag, name, status, json, command)
                VALUES (1, 1, '{{opened}}', 0, 'proxy', 'session-opened', NULL, NULL, NULL, NULL, '{"type":"session-opened"}', NULL),
                       (1, 2, '{{opened}}', 5, 'client', 'command-completed', NULL, 'a1', 'FETCH', 'ok', '{"type":"command-completed"}', 'FETCH');
                INSERT INTO raw (session_id, direction, "offset", data) VALUES (1, 'client', 0, '\x6131204e4f4f500d0a');
                """);
        }

        await using var h = new StoreHarness(postgres: database, open: o => Open(o, new ReplayClock(Day1), blockSize: 10));
        await h.StartAsync();

        Assert.Equal("alice", h.Store.GetSession(1)!.User);
        Assert.Equal([1L, 2], h.Store.GetEvents(1, 0, 10).Select(e => e.Sequence));
        Assert.Equal("a1 NOOP\r\n"u8.ToArray(), h.Store.GetRaw(1, Direction.Client));
        var queries = new QueryService(h.Store);
        Assert.Equal([(1L, 2L)], queries.AllEvents(Filter.Parse("cmd:FETCH"), 10).Rows.Select(e => (e.SessionId, e.Sequence)));
        Assert.Equal([1L], queries.SessionIds(Filter.Parse("user:alice")));

        var id = h.Store.NextSessionId();
        foreach (var e in Synthetic.Session(id, 3)) h.Bus.Publish(e);
        await h.IdleAsync();

        // The old tables are block 0, up to the first id not taken; the new session opened the next block.
        Assert.Equal(3, id);
        Assert.Equal([(0L, 3L), (3L, 13L)], await BlocksAsync(database));
        Assert.Equal([("events_p0", 2L), ("events_p3", 3L)], await RowsByPartitionAsync(database, "events"));
        Assert.Equal([("raw_p0", 1L)], await RowsByPartitionAsync(database, "raw"));
        Assert.Equal([1L, 3], h.Store.GetSessions(10).Select(s => s.Id).Order());
        // The old table's indexes serve as its partitions of the parent's (attached, not built again beside them).
        var commandIndexes = await ListAsync(database, "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'events_by_command'::regclass ORDER BY 1");
        Assert.Equal(2, commandIndexes.Length);
        Assert.Equal("events_p0_by_command", commandIndexes[0]);
        Assert.Equal(["events_p0_by_command"], await ListAsync(database, "SELECT indexname::text FROM pg_indexes WHERE tablename = 'events_p0' AND indexdef LIKE '%(command, session_id, seq)%'"));
    }

    private static StorageOptions Options(string database) => new() { Store = StoreLocation.Parse(database) };

    internal static PostgresEventStore Open(StorageOptions options, TimeProvider clock, long blockSize) =>
        new(options, (PostgresLocation)options.Location, clock, blockSize);

    internal static async Task<string> NewDatabaseAsync() => await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync();

    /// <summary>The blocks of event_partitions, oldest first.</summary>
    internal static async Task<(long First, long End)[]> BlocksAsync(string database) =>
        (await ListAsync(database, "SELECT first_id || ' ' || end_id FROM event_partitions ORDER BY first_id"))
        .Select(row => row.Split(' ')).Select(p => (long.Parse(p[0]), long.Parse(p[1]))).ToArray();

    /// <summary>The partitions of a table, by name, as PostgreSQL has them (pg_inherits), and as tables (pg_tables).</summary>
    internal static async Task<string[]> PartitionsAsync(string database, string parent)
    {
        var partitions = await ListAsync(database, $"SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = '{parent}'::regclass ORDER BY 1");
        var tables = await ListAsync(database, $"SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE '{parent}\\_p%' ORDER BY 1");
        Assert.Equal(partitions, tables);
        return partitions;
    }

    private static async Task<(string Partition, long Rows)[]> RowsByPartitionAsync(string database, string table) =>
        (await ListAsync(database, $"SELECT tableoid::regclass || ' ' || count(*) FROM {table} GROUP BY tableoid ORDER BY 1"))
        .Select(row => row.Split(' ')).Select(p => (p[0], long.Parse(p[1]))).ToArray();

    private static async Task<string[]> ListAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
        return rows.ToArray();
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
