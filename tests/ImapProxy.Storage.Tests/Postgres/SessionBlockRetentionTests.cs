using ImapProxy.Recording;
using ImapProxy.Storage.Retention;
using ImapProxy.Storage.Tests.Retention;
using ImapProxy.Storage.Tests.Support;

namespace ImapProxy.Storage.Tests.Postgres;

/// <summary>
/// Retention on partitioned PostgreSQL: a block of sessions it would prune whole goes as its partitions (they are no
/// longer tables), the rest row by row as on SQLite; a block with a live session, and the block ids are taken from,
/// stay. Blocks are ten ids, one per day of the store's clock, which is also retention's.
/// </summary>
public sealed class SessionBlockRetentionTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 10, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task ByAge_DropsTheBlocksWhoseSessionsAllEnded_NotOneWithALiveSession_NorTheNewest()
    {
        var database = await SessionBlocksTests.NewDatabaseAsync();
        var clock = new ReplayClock(Now.AddDays(-3));
        await using var h = new StoreHarness(postgres: database, open: o => SessionBlocksTests.Open(o, clock, blockSize: 10));
        await h.StartAsync();
        var oldBlock = new[] { Record(h, Now.AddDays(-10)), Record(h, Now.AddDays(-9)) };
        clock.Advance(TimeSpan.FromDays(1));
        var endedInABlockWithALiveOne = Record(h, Now.AddDays(-8));
        var live = RetentionServiceTests.Record(h, Now.AddDays(-8), duration: null);
        clock.Advance(TimeSpan.FromDays(1));
        var endedInTheNewestBlock = Record(h, Now.AddDays(-7));
        await h.IdleAsync();
        var before = RetentionServiceTests.RowCounts(h);
        Assert.Equal([(0L, 1L), (1L, 11L), (11L, 21L), (21L, 31L)], await SessionBlocksTests.BlocksAsync(database));

        clock.MoveTo(Now);
        var count = Service(h, clock, new RetentionOptions(TimeSpan.FromDays(2), null)).PruneOnce();

        Assert.Equal(4, count);
        Assert.Equal([1L, 2], oldBlock);
        // Blocks 0 (empty: nothing was stored before partitioning) and 1 are dropped; 11 (live) and 21 (newest) stay.
        Assert.Equal(["events_p11", "events_p21"], await SessionBlocksTests.PartitionsAsync(database, "events"));
        Assert.Equal(["raw_p11", "raw_p21"], await SessionBlocksTests.PartitionsAsync(database, "raw"));
        Assert.Equal([(11L, 21L), (21L, 31L)], await SessionBlocksTests.BlocksAsync(database));
        // The ended sessions of blocks 11 and 21 went row by row; the live one keeps every row.
        var after = RetentionServiceTests.RowCounts(h);
        Assert.Equal([live], after.Keys);
        Assert.Equal(before[live], after[live]);
        Assert.Null(h.Store.GetSession(endedInABlockWithALiveOne));
        Assert.Null(h.Store.GetSession(endedInTheNewestBlock));
    }

    [Fact]
    public async Task ByAge_LeavesABlockClosedUnderAMinuteAgo_ToTheRowLoop()
    {
        var database = await SessionBlocksTests.NewDatabaseAsync();
        var clock = new ReplayClock(Now.AddDays(-1));
        await using var h = new StoreHarness(postgres: database, open: o => SessionBlocksTests.Open(o, clock, blockSize: 10));
        await h.StartAsync();
        var old = Record(h, Now.AddDays(-10));
        clock.MoveTo(Now);
        var recent = Record(h, Now.AddMinutes(-30)); // today's first session closes the old block now
        await h.IdleAsync();

        // Half a minute later an id taken just before the new block may still be in a writer's queue, without its row.
        clock.Advance(TimeSpan.FromSeconds(30));
        var count = Service(h, clock, new RetentionOptions(TimeSpan.FromDays(2), null)).PruneOnce();

        Assert.Equal(1, count);
        Assert.Null(h.Store.GetSession(old));
        Assert.NotNull(h.Store.GetSession(recent));
        // Block 1 stays, its session deleted row by row; block 0 (empty), closed a day ago, is dropped.
        Assert.Equal(["events_p1", "events_p11"], await SessionBlocksTests.PartitionsAsync(database, "events"));
    }

    [Fact]
    public async Task BySize_DropsTheOldestBlock_OnlyWhenTheRowLoopWouldHavePrunedAllOfIt()
    {
        var database = await SessionBlocksTests.NewDatabaseAsync();
        var clock = new ReplayClock(Now.AddDays(-3));
        await using var h = new StoreHarness(postgres: database, open: o => SessionBlocksTests.Open(o, clock, blockSize: 10));
        await h.StartAsync();
        long Large(int hoursAgo) => RetentionServiceTests.Record(h, Now.AddHours(-hoursAgo), TimeSpan.FromMinutes(1), RetentionServiceTests.LiteralBytes);
        var first = new[] { Large(60), Large(59) };
        clock.Advance(TimeSpan.FromDays(1));
        var second = new[] { Large(40), Large(39) };
        clock.Advance(TimeSpan.FromDays(1));
        var third = Large(20);
        await h.IdleAsync();
        var before = RetentionServiceTests.RowCounts(h);
        // Two and a half sessions too many: as row by row, the three oldest go. The first block's two go as a block;
        // the second block's first one goes alone (dropping the block would take its second, which the limit keeps).
        var limit = RetentionServiceTests.UsedBytes(h) - RetentionServiceTests.LiteralBytes * 5 / 2;

        clock.MoveTo(Now);
        var count = Service(h, clock, new RetentionOptions(null, limit)).PruneOnce();

        Assert.Equal(3, count);
        Assert.True(RetentionServiceTests.UsedBytes(h) <= limit);
        // Block 0 (empty) stays: dropping it frees nothing, and the size limit only prunes what is needed.
        Assert.Equal(["events_p0", "events_p11", "events_p21"], await SessionBlocksTests.PartitionsAsync(database, "events"));
        var after = RetentionServiceTests.RowCounts(h);
        Assert.Equal([second[1], third], after.Keys.Order());
        Assert.Equal(before[second[1]], after[second[1]]);
        Assert.Equal([1L, 2], first);
    }

    private static long Record(StoreHarness h, DateTimeOffset start) => RetentionServiceTests.Record(h, start, TimeSpan.FromMinutes(5));

    private static RetentionService Service(StoreHarness h, TimeProvider clock, RetentionOptions options) =>
        new(h.Store, options, clock, new ListLogger<RetentionService>());
}
