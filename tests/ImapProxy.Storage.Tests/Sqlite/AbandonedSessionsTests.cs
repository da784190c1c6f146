using ImapProxy.Recording.Events;
using ImapProxy.Storage.Tests.Support;
using ImapProxy.Storage.Writing;
using Microsoft.Extensions.Logging;

namespace ImapProxy.Storage.Tests.Sqlite;

/// <summary>
/// A proxy that was killed leaves its sessions open in the store; the next start ends each as the lifecycle promises,
/// with what the store holds of it: when it was last heard of, how many bytes each side got through, and that its
/// capture is incomplete.
/// </summary>
public abstract class AbandonedSessionsTests(StoreEngine engine)
{
    private const string Instance = "office-1";

    [Fact]
    public async Task EachOpenSession_IsEndedAtItsLastStoredEvent_WithTheBytesItsSidesGotThrough()
    {
        await using var h = await engine.HarnessAsync(o => o with { Instance = Instance });
        await h.StartAsync();
        // Cut off mid-session: four events after its opening, 25 bytes from the client and 40 from the server stored.
        var cut = h.Store.NextSessionId();
        foreach (var e in Synthetic.Session(cut, 5)) h.Bus.Publish(e);
        h.Bus.Publish(Synthetic.Raw(cut, EventSource.Client, 0, new byte[10]));
        h.Bus.Publish(Synthetic.Raw(cut, EventSource.Server, 0, new byte[40]));
        h.Bus.Publish(Synthetic.Raw(cut, EventSource.Client, 10, new byte[15]));
        // Killed right after it opened: nothing but its opening.
        var justOpened = h.Store.NextSessionId();
        h.Bus.Publish(Synthetic.Opened(justOpened));
        // Ended before the kill: not touched.
        var ended = h.Store.NextSessionId();
        foreach (var e in Synthetic.Session(ended, 2)) h.Bus.Publish(e);
        h.Bus.Publish(Synthetic.Closed(ended, 3));
        await h.IdleAsync();
        var endedBefore = h.Store.GetSession(ended);

        var logger = new ListLogger<AbandonedSessionsTests>();
        Assert.Equal(2, AbandonedSessions.Close(h.Store, logger));

        var cutRow = h.Store.GetSession(cut)!;
        Assert.Equal(Synthetic.Time.AddMilliseconds(5), cutRow.EndedAt);
        Assert.Equal(("proxy-stopped", AbandonedSessions.Detail), (cutRow.CloseReason, cutRow.CloseDetail));
        Assert.Equal((25, 40), (cutRow.ClientBytes, cutRow.ServerBytes));
        Assert.True(cutRow.CaptureIncomplete);
        // The close is the session's next event, after the five it had.
        Assert.Equal(6, cutRow.Events);
        var close = Assert.IsType<SessionClosed>(h.Store.GetEvents(cut, 0, 100)[^1].ReadEvent());
        Assert.Equal((6, CloseReason.ProxyStopped), (close.Sequence, close.Reason));

        var openedRow = h.Store.GetSession(justOpened)!;
        Assert.Equal((Synthetic.Time, 0, 0), (openedRow.EndedAt, openedRow.ClientBytes, openedRow.ServerBytes));
        Assert.Equal("proxy-stopped", openedRow.CloseReason);

        Assert.Equal(endedBefore, h.Store.GetSession(ended));
        Assert.Contains(logger.Entries, e => e is { Level: LogLevel.Warning, Message: var m } && m.StartsWith("Closed 2 sessions an earlier proxy left open"));

        // The next start finds nothing left open.
        Assert.Equal(0, AbandonedSessions.Close(h.Store, logger));
    }

    [Fact]
    public async Task AStoreThatRefusesTheCloses_IsLogged_AndTheStartGoesOn()
    {
        await using var h = await engine.HarnessAsync(o => o with { Instance = Instance });
        await h.StartAsync();
        var open = h.Store.NextSessionId();
        foreach (var e in Synthetic.Session(open, 3)) h.Bus.Publish(e);
        await h.IdleAsync();
        // A stand-in for a full disk: the database refuses to update any session row.
        RefuseSessionUpdates(h.Store);

        var logger = new ListLogger<AbandonedSessionsTests>();
        Assert.Equal(0, AbandonedSessions.Close(h.Store, logger));

        Assert.Contains(logger.Entries, e => e is { Level: LogLevel.Error, Message: var m } && m.StartsWith("Could not close the sessions an earlier proxy left open"));
        var row = h.Store.GetSession(open)!;
        Assert.Equal((null, 3), (row.EndedAt, row.Events));
        Assert.DoesNotContain(h.Store.GetEvents(open, 0, 100), e => e.ReadEvent() is SessionClosed);
    }

    private void RefuseSessionUpdates(EventStore store)
    {
        using var connection = store.OpenConnection();
        var sql = engine == StoreEngine.Sqlite
            ? "CREATE TRIGGER refuse BEFORE UPDATE ON sessions BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
            : """
              CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'; END $$;
              CREATE TRIGGER refuse BEFORE UPDATE ON sessions FOR EACH ROW EXECUTE FUNCTION refuse();
              """;
        using var command = EventStore.Command(connection, sql);
        command.ExecuteNonQuery();
    }
}

public sealed class SqliteAbandonedSessionsTests() : AbandonedSessionsTests(StoreEngine.Sqlite);

public sealed class PostgresAbandonedSessionsTests() : AbandonedSessionsTests(StoreEngine.Postgres);
