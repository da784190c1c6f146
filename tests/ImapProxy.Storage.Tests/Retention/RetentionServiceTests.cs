using ImapProxy.Recording;
using ImapProxy.Storage.Retention;
using ImapProxy.Storage.Tests.Support;
using System.Data.Common;

namespace ImapProxy.Storage.Tests.Retention;

/// <summary>
/// Retention deletes captured data and is on by default, so each limit is checked against sessions whose fate is
/// written down by hand. Time is a <see cref="ReplayClock"/> the test sets: "now" is <see cref="Now"/>.
/// </summary>
public abstract class RetentionServiceTests(StoreEngine engine)
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    // Each session of the size tests carries this much server data (one FETCH literal), so that the bytes a
    // pruned session frees dwarf the per-session overhead of events and index pages.
    internal const int LiteralBytes = 200 * 1024;

    [Fact]
    public async Task PruneOnce_ByAge_DeletesSessionsThatEndedBeforeTheCutoff_AndKeepsTheRest()
    {
        await using var h = await engine.HarnessAsync();
        await h.StartAsync();
        var endedTenDaysAgo = Record(h, Now.AddDays(-10), TimeSpan.FromMinutes(5));
        var endedThreeDaysAgo = Record(h, Now.AddDays(-3), TimeSpan.FromMinutes(5));
        // Started long ago but ended an hour ago: age counts from the end, so it stays.
        var longSessionEndedRecently = Record(h, Now.AddDays(-10), TimeSpan.FromDays(10) - TimeSpan.FromHours(1));
        var endedAnHourAgo = Record(h, Now.AddHours(-2), TimeSpan.FromHours(1));
        await h.IdleAsync();
        var before = RowCounts(h);

        var retention = Service(h, new RetentionOptions(TimeSpan.FromDays(2), null));
        var count = retention.PruneOnce();

        Assert.Equal(2, count);
        Assert.Equal(2, retention.SessionsPruned);
        Assert.Equal(Now, retention.LastRun);
        AssertOnlyPruned(h, before, pruned: [endedTenDaysAgo, endedThreeDaysAgo], kept: [longSessionEndedRecently, endedAnHourAgo]);
    }

    [Fact]
    public async Task PruneOnce_BySize_DeletesTheOldestFinishedSessionsUntilUnderTheLimit()
    {
        await using var h = await engine.HarnessAsync();
        await h.StartAsync();
        var ids = Enumerable.Range(0, 5).Select(i => Record(h, Now.AddHours(-10 + i), TimeSpan.FromMinutes(1), LiteralBytes)).ToArray();
        await h.IdleAsync();
        var before = RowCounts(h);
        // Two and a half sessions too many: pruning two leaves the store over the limit, pruning three is enough.
        var limit = UsedBytes(h) - LiteralBytes * 5 / 2;

        var retention = Service(h, new RetentionOptions(null, limit));
        var count = retention.PruneOnce();

        Assert.Equal(3, count);
        Assert.Equal(3, retention.SessionsPruned);
        Assert.True(UsedBytes(h) <= limit, $"{UsedBytes(h)} bytes in use, the limit is {limit}");
        AssertOnlyPruned(h, before, pruned: ids[..3], kept: ids[3..]);
    }

    [Fact]
    public async Task PruneOnce_NeverDeletesALiveSession_WhateverItsAgeOrSize()
    {
        await using var h = await engine.HarnessAsync();
        await h.StartAsync();
        // The oldest and largest session of the store is still open (no ended_at): both limits would pick it first.
        var live = Record(h, Now.AddDays(-30), duration: null, LiteralBytes);
        var finishedOld = Record(h, Now.AddDays(-20), TimeSpan.FromMinutes(1));
        var finishedRecent = Record(h, Now.AddMinutes(-5), TimeSpan.FromMinutes(1));
        await h.IdleAsync();
        var before = RowCounts(h);

        // Limits nothing can satisfy: every finished session goes, and the loop must stop at the live one.
        var retention = Service(h, new RetentionOptions(TimeSpan.FromSeconds(1), 1));
        var count = retention.PruneOnce();

        Assert.Equal(2, count);
        Assert.Null(h.Store.GetSession(live)!.EndedAt);
        AssertOnlyPruned(h, before, pruned: [finishedOld, finishedRecent], kept: [live]);
        // A second pass finds nothing more to do and reports so.
        Assert.Equal(0, retention.PruneOnce());
        Assert.Equal(2, retention.SessionsPruned);
    }

    [Fact]
    public async Task Start_WithLimitsOff_PrunesNothingAndStops()
    {
        await using var h = await engine.HarnessAsync();
        await h.StartAsync();
        var ids = new[]
        {
            Record(h, Now.AddYears(-5), TimeSpan.FromMinutes(1), LiteralBytes),
            Record(h, Now.AddDays(-1), TimeSpan.FromMinutes(1)),
        };
        await h.IdleAsync();
        var before = RowCounts(h);

        using var retention = Service(h, new RetentionOptions(null, null));
        await retention.StartAsync(CancellationToken.None);

        // With no limit the service has nothing to watch: its loop ends instead of waking every minute.
        await retention.ExecuteTask!.WaitAsync(StoreHarness.Timeout);
        Assert.Null(retention.LastRun);
        Assert.Equal(0, retention.PruneOnce());
        Assert.Equal(0, retention.SessionsPruned);
        AssertOnlyPruned(h, before, pruned: [], kept: ids);
    }

    private static RetentionService Service(StoreHarness h, RetentionOptions options) =>
        new(h.Store, options, new ReplayClock(Now), new ListLogger<RetentionService>());

    /// <summary>
    /// A small session: login, a FETCH whose literal is <paramref name="literalBytes"/> long (kept whole), then a
    /// close <paramref name="duration"/> after <paramref name="start"/>, or no close at all (a live session).
    /// </summary>
    internal static long Record(StoreHarness h, DateTimeOffset start, TimeSpan? duration, int literalBytes = 16)
    {
        var s = new Conversation(h.Bus, h.Store.NextSessionId(), start) { ReadSize = 8192, LiteralCap = int.MaxValue, Step = TimeSpan.Zero };
        s.Open("127.0.0.1:50000", "imap.example.test:993")
            .Server("* OK ready\r\n")
            .Client("a1 LOGIN alice secret\r\n").Server("a1 OK LOGIN completed\r\n")
            .Client("a2 SELECT INBOX\r\n").Server("* 1 EXISTS\r\na2 OK [READ-ONLY] SELECT completed\r\n")
            .Client("a3 FETCH 1 (BODY[])\r\n")
            .Server($"* 1 FETCH (BODY[] {{{literalBytes}}}\r\n{new string('x', literalBytes)})\r\na3 OK FETCH completed\r\n");
        if (duration is { } d) s.Wait(d).Close();
        return s.SessionId;
    }

    /// <summary>Every session in the store, with its rows in the events and raw tables.</summary>
    internal static Dictionary<long, (long Events, long Raw)> RowCounts(StoreHarness h)
    {
        using var connection = h.Store.OpenConnection();
        using var command = EventStore.Command(connection, """
            SELECT s.id,
                   (SELECT count(*) FROM events e WHERE e.session_id = s.id),
                   (SELECT count(*) FROM raw r WHERE r.session_id = s.id)
            FROM sessions s
            """);
        using var reader = command.ExecuteReader();
        var counts = new Dictionary<long, (long, long)>();
        while (reader.Read()) counts[reader.GetInt64(0)] = (reader.GetInt64(1), reader.GetInt64(2));
        return counts;
    }

    /// <summary>
    /// The pruned sessions are gone with every event and raw row (ON DELETE CASCADE needs foreign keys on in the
    /// pruning connection; orphans would be invisible to the session list but still fill the file), and the kept
    /// sessions still have every row they had before.
    /// </summary>
    private static void AssertOnlyPruned(StoreHarness h, Dictionary<long, (long Events, long Raw)> before, long[] pruned, long[] kept)
    {
        Assert.Equal(before.Keys.Order(), pruned.Concat(kept).Order());
        var after = RowCounts(h);
        Assert.Equal(kept.Order(), after.Keys.Order());
        Assert.All(before, b => Assert.True(b.Value.Events > 0 && b.Value.Raw > 0, $"session {b.Key} was recorded without rows"));
        foreach (var id in kept) Assert.Equal(before[id], after[id]);
        using var connection = h.Store.OpenConnection();
        Assert.Equal(0L, Scalar(connection, "SELECT count(*) FROM events WHERE session_id NOT IN (SELECT id FROM sessions)"));
        Assert.Equal(0L, Scalar(connection, "SELECT count(*) FROM raw WHERE session_id NOT IN (SELECT id FROM sessions)"));
        // Where raw bytes are files (SQLite), a pruned session's go too, and a kept one's stay.
        if (h.Store.RawFiles is { } files)
        {
            foreach (var direction in new[] { "client", "server" })
            {
                Assert.All(pruned, id => Assert.False(File.Exists(files.PathOf(id, direction)), $"session {id}'s {direction} file outlived it"));
                Assert.All(kept, id => Assert.True(File.Exists(files.PathOf(id, direction)), $"kept session {id} lost its {direction} file"));
            }
        }
    }

    /// <summary>What the size limit is measured against, as the engine measures it: SQLite's pages in use (the file
    /// keeps its size after deletes), PostgreSQL's bytes of raw data and JSON (its tables shrink only after VACUUM).</summary>
    internal static long UsedBytes(StoreHarness h)
    {
        using var connection = h.Store.OpenConnection();
        return h.Store.UsedBytes(connection);
    }

    private static long Scalar(DbConnection connection, string sql)
    {
        using var command = EventStore.Command(connection, sql);
        return Convert.ToInt64(command.ExecuteScalar());
    }
}

public sealed class SqliteRetentionServiceTests() : RetentionServiceTests(StoreEngine.Sqlite);

public sealed class PostgresRetentionServiceTests() : RetentionServiceTests(StoreEngine.Postgres);
