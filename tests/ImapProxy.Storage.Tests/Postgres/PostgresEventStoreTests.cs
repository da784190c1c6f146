using ImapProxy.Protocol;
using ImapProxy.Recording.Events;
using ImapProxy.Storage.Postgres;
using ImapProxy.Storage.Tests.Support;
using ImapProxy.Storage.Writing;
using ImapProxy.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using System.Threading.Channels;
using Npgsql;

namespace ImapProxy.Storage.Tests.Postgres;

/// <summary>What only the PostgreSQL store does: one database for several proxies, and text that cannot hold U+0000.</summary>
public sealed class PostgresEventStoreTests
{
    [Fact]
    public async Task TwoProxiesOnOneDatabase_NeverTakeTheSameSessionId()
    {
        var database = await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync();
        var options = new StorageOptions { Store = StoreLocation.Parse(database) };
        using var first = EventStore.Open(options);
        using var second = EventStore.Open(options); // finds the schema made by the first, and leaves it as it is

        var ids = Enumerable.Range(0, 50).SelectMany(_ => new[] { first.NextSessionId(), second.NextSessionId() }).ToList();

        Assert.Equal(100, ids.Distinct().Count());
        Assert.Equal(ids.Order(), ids);
    }

    [Fact]
    public async Task ADatabaseWithOtherTablesNamedSessions_IsRefused_NotWrittenInto()
    {
        var database = await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync();
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await new NpgsqlCommand("CREATE TABLE sessions (who text)", connection).ExecuteNonQueryAsync();
        }

        var error = Assert.Throws<EventStoreException>(() => EventStore.Open(new StorageOptions { Store = StoreLocation.Parse(database) }));

        Assert.Contains("not an ImapProxy store", error.Message);
    }

    [Fact]
    public async Task ATagWithANulByte_IsStoredWithTheRestOfItsBatch()
    {
        await using var h = await StoreEngine.Postgres.HarnessAsync();
        await h.StartAsync();
        var id = h.Store.NextSessionId();
        h.Bus.Publish(Synthetic.Opened(id));
        // What a client can put in a tag: PostgreSQL text refuses U+0000, and the batch must not be lost for it.
        h.Bus.Publish(new CommandCompleted
        {
            SessionId = id, Sequence = 2, Time = Synthetic.Time, Elapsed = TimeSpan.Zero, Source = EventSource.Proxy,
            Tag = "a\01", Command = "NOOP", Status = ResponseStatus.Ok, CommandOffset = 0, Latency = TimeSpan.FromMilliseconds(3),
        });
        h.Bus.Publish(Synthetic.Action(id, 3));
        await h.IdleAsync();

        Assert.Equal(0, h.Writer.EventsLost);
        var events = h.Store.GetEvents(id, 0, 10);
        Assert.Equal([1L, 2, 3], events.Select(e => e.Sequence));
        Assert.Equal("a\uFFFD1", events[1].Tag);
        // The event itself, from its JSON, keeps the tag as it was.
        Assert.Equal("a\01", Assert.IsType<CommandCompleted>(events[1].ReadEvent()).Tag);
    }

    [Fact]
    public async Task AStoreAtANewerSchemaVersion_IsRefused()
    {
        var database = await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync();
        var options = new StorageOptions { Store = StoreLocation.Parse(database) };
        EventStore.Open(options).Dispose();
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await new NpgsqlCommand($"INSERT INTO imapproxy_schema_version VALUES ({PostgresSchema.Version + 1})", connection).ExecuteNonQueryAsync();
        }

        var error = Assert.Throws<EventStoreException>(() => EventStore.Open(options));

        Assert.Contains("written by a newer ImapProxy", error.Message);
    }

    [Fact]
    public async Task AProxyStarting_ClosesOnlyTheSessionsItsOwnInstanceLeftOpen()
    {
        var database = await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync();
        await using (var office1 = new StoreHarness(o => o with { Instance = "office-1" }, postgres: database))
        await using (var office2 = new StoreHarness(o => o with { Instance = "office-2" }, postgres: database))
        {
            await office1.StartAsync();
            await office2.StartAsync();
            office1.Bus.Publish(Synthetic.Opened(office1.Store.NextSessionId()));
            office2.Bus.Publish(Synthetic.Opened(office2.Store.NextSessionId()));
            await office1.IdleAsync();
            await office2.IdleAsync();
        }

        // office-1 restarts after a crash: its session was abandoned; office-2's is live on another machine.
        using var restarted = EventStore.Open(new StorageOptions { Store = StoreLocation.Parse(database), Instance = "office-1" });
        Assert.Equal(1, AbandonedSessions.Close(restarted, NullLogger.Instance));

        var sessions = restarted.GetSessions(10);
        Assert.Equal("proxy-stopped", sessions.Single(s => s.Instance == "office-1").CloseReason);
        Assert.Null(sessions.Single(s => s.Instance == "office-2").EndedAt);
    }

    [Fact]
    public async Task AnotherProxysSessions_ArriveLive_WithoutItsOwn()
    {
        var database = await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync();
        await using var office1 = new StoreHarness(o => o with { Instance = "office-1" }, postgres: database);
        await using var office2 = new StoreHarness(o => o with { Instance = "office-2" }, postgres: database);
        await office1.StartAsync();
        await office2.StartAsync();
        var received = Channel.CreateUnbounded<SessionEvent>();
        var live = new SharedStoreEvents((PostgresEventStore)office2.Store, async batch =>
        {
            foreach (var e in batch) await received.Writer.WriteAsync(e);
        }, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var listening = live.RunAsync(stop.Token);
        await live.Listening.WaitAsync(StoreHarness.Timeout);

        // office-2's own session first: its dashboard has it from its bus, the store must not send it again.
        var own = office2.Store.NextSessionId();
        office2.Bus.Publish(Synthetic.Opened(own));
        await office2.IdleAsync();
        var other = office1.Store.NextSessionId();
        foreach (var e in Synthetic.Session(other, 3)) office1.Bus.Publish(e);
        await office1.IdleAsync();

        using var timeout = new CancellationTokenSource(StoreHarness.Timeout);
        var first = await received.Reader.ReadAsync(timeout.Token);
        Assert.Equal((other, 1L), (first.SessionId, first.Sequence));
        Assert.IsType<SessionOpened>(first);
        var second = await received.Reader.ReadAsync(timeout.Token);
        var third = await received.Reader.ReadAsync(timeout.Token);
        Assert.Equal((2L, 3L), (second.Sequence, third.Sequence));

        // More of the same session later: only what is new.
        office1.Bus.Publish(Synthetic.Action(other, 4));
        await office1.IdleAsync();
        Assert.Equal(4L, (await received.Reader.ReadAsync(timeout.Token)).Sequence);

        await stop.CancelAsync();
        await listening;
    }

    [Fact]
    public async Task AConnectionLostWhileRunning_CostsTheBatchOfThatMoment_ThenTheWriterConnectsAgain()
    {
        var database = await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync();
        await using var h = new StoreHarness(postgres: database);
        await h.StartAsync();
        var id = h.Store.NextSessionId();
        h.Bus.Publish(Synthetic.Opened(id));
        await h.IdleAsync();

        // The server drops the proxy's connections (a restart, a failover, an administrator); those of this test's
        // database only, other tests run beside it on the same cluster.
        await using (var admin = new NpgsqlConnection(database))
        {
            await admin.OpenAsync();
            await new NpgsqlCommand("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'imapproxy' AND datname = current_database()", admin).ExecuteNonQueryAsync();
        }
        h.Bus.Publish(Synthetic.Action(id, 2));
        await h.IdleAsync();
        // The batch that met the dropped connection is lost; the writer connects again at once to say so in the session.
        Assert.Equal(1, h.Writer.EventsLost);
        h.Bus.Publish(Synthetic.Action(id, 3));
        await h.IdleAsync();

        Assert.True(h.Writer.Health.Writing);
        // Read through a store of its own: the harness's pooled readers were dropped too.
        using var reader = EventStore.Open(new StorageOptions { Store = StoreLocation.Parse(database) });
        Assert.Equal([1L, 3], reader.GetEvents(id, 0, 10).Select(e => e.Sequence));
        var session = reader.GetSession(id)!;
        Assert.True(session.CaptureIncomplete);
        Assert.Equal(1, session.DroppedEvents);
    }
}
