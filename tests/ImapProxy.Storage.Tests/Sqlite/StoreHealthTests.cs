using ImapProxy.Recording.Events;
using ImapProxy.Storage.Tests.Support;
using ImapProxy.Storage.Writing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace ImapProxy.Storage.Tests.Sqlite;

/// <summary>
/// What the status page and /api/health say while the store cannot write, and what the log says. A session's raw file
/// with a directory in its place makes every batch with its bytes fail, as a full disk would, without filling a disk.
/// </summary>
public sealed class StoreHealthTests
{
    private static readonly byte[] Line = "* OK\r\n"u8.ToArray();

    [Fact]
    public async Task AfterAFailedBatch_TheRetryThatMarksItsSessions_DoesNotSayTheStoreWritesAgain()
    {
        using var cts = new CancellationTokenSource(StoreHarness.Timeout);
        await using var h = new StoreHarness();
        await h.StartAsync();
        var id = await SessionAsync(h, blocked: true);

        // The writer retries with the lost session's mark alone, which the database takes: the session says it is
        // incomplete, and the health still says the store cannot write (the next bytes of that file would fail too).
        while (h.Store.GetSession(id) is not { CaptureIncomplete: true }) await Task.Delay(20, cts.Token);
        Assert.False(h.Writer.Health.Writing);
        Assert.Contains($"{id}.server", h.Writer.Health.Problem);
    }

    [Fact]
    public async Task AFailingStore_SaysSinceWhenItFirstFailed_AndItsRecoveryIsLoggedOnlyAfterAQuietMinute()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero));
        await using var h = new StoreHarness(time: clock);
        await h.StartAsync();

        // Fails at 09:00 and again at 09:02: the status page says "since 09:00", not the latest failure.
        var first = await SessionAsync(h, blocked: true);
        var since = clock.GetUtcNow();
        clock.Advance(TimeSpan.FromMinutes(2));
        await SendAsync(h, first, offset: 0);
        Assert.Equal((false, since), (h.Writer.Health.Writing, h.Writer.Health.FailingSince));
        Assert.Equal(2, h.Logger.Entries.Count(e => e.Level == LogLevel.Error)); // a minute apart: each said

        // Writes again at 09:05, three minutes after the last error line: said, with how long it failed.
        clock.Advance(TimeSpan.FromMinutes(3));
        await SessionAsync(h, blocked: false);
        Assert.Equal(StoreHealth.Ok, h.Writer.Health);
        var recovery = Assert.Single(h.Logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("writes again after 00:05:00", recovery.Message);

        // Fails at 09:06 (since then, not since 09:00) and writes again 20 s later: the error line said it already,
        // so no second line for a blip.
        clock.Advance(TimeSpan.FromMinutes(1));
        await SessionAsync(h, blocked: true);
        Assert.Equal(clock.GetUtcNow(), h.Writer.Health.FailingSince);
        clock.Advance(TimeSpan.FromSeconds(20));
        await SessionAsync(h, blocked: false);
        Assert.Equal(StoreHealth.Ok, h.Writer.Health);
        Assert.Single(h.Logger.Entries, e => e.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task AWriterThatCannotOpenTheDatabase_SaysItStopped_AndHoldsNoRelayUp()
    {
        using var cts = new CancellationTokenSource(StoreHarness.Timeout);
        await using var h = new StoreHarness(o => o with { QueueBytes = 1024 * 1024 });
        // The database goes between opening the store and starting its writer (a disk unmounted, a file removed):
        // something else is where the writer's connection opens.
        var database = ((SqliteLocation)h.Options.Location).Path;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(database);
        Directory.CreateDirectory(database);
        await h.StartAsync();

        while (h.Writer.Health.Writing) await Task.Delay(20, cts.Token);
        Assert.StartsWith("the store's writer stopped", h.Writer.Health.Problem);
        Assert.Contains(h.Logger.Entries, e => e.Level == LogLevel.Critical && e.Message.Contains(database));
        // Nobody reads the store's queue any more, so nobody waits for room in it: a relay that waits for the store
        // (--when-store-behind wait) goes on at once however much it publishes, and a reader that waits for what was
        // published is told the writer has stopped.
        const long id = 1; // the store cannot number sessions either
        for (long offset = 0; offset < 4 * 1024 * 1024; offset += 64 * 1024)
            h.Bus.Publish(Synthetic.Raw(id, EventSource.Server, offset, new byte[64 * 1024]));
        Assert.True(h.Bus.WaitForRoomAsync(cts.Token).IsCompleted);
        await h.IdleAsync();
    }

    /// <summary>A new session and its first server bytes, its raw file writable or not.</summary>
    private static async Task<long> SessionAsync(StoreHarness h, bool blocked)
    {
        var id = h.Store.NextSessionId();
        if (blocked) Directory.CreateDirectory(h.Store.RawFiles!.PathOf(id, "server"));
        h.Bus.Publish(Synthetic.Opened(id));
        await SendAsync(h, id, offset: 0);
        return id;
    }

    private static async Task SendAsync(StoreHarness h, long id, long offset)
    {
        h.Bus.Publish(Synthetic.Raw(id, EventSource.Server, offset, Line));
        await h.IdleAsync();
    }
}
