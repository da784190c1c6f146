using System.Text;
using ImapProxy.Protocol;
using ImapProxy.Storage.Export;
using ImapProxy.Storage.Import;
using ImapProxy.Storage.Sqlite;
using ImapProxy.Storage.Tests.Export;
using ImapProxy.Storage.Tests.Support;

namespace ImapProxy.Storage.Tests.Import;

public class RawlogImportTests
{
    [Theory]
    [InlineData("dovecot-rawlog", "1795644893.173656")] // the first stamp of .out; .in starts later
    [InlineData("dovecot-rawlog-compress", "1795644889.960010")]
    public async Task Import_OfARealDovecotRawlog_CompletesEveryCommand_WithoutAnomalies(string name, string firstStamp)
    {
        using var temp = new TempDirectory();
        using var store = new SqliteEventStore(new StorageOptions { DataDirectory = temp.Path });

        var id = await RawlogImport.ImportAsync(store, CapturedSessions.Fixture(name));

        var events = store.GetEvents(id, 0, 100_000);
        var commands = events.Where(e => e.Kind == "command").ToList();
        var completed = events.Where(e => e.Type == "command-completed").ToList();
        Assert.True(commands.Count >= 19, $"{commands.Count} commands");
        Assert.Equal(commands.Select(c => c.Tag), completed.Select(c => c.Tag));
        Assert.All(completed, c => Assert.Equal("ok", c.Status));
        Assert.DoesNotContain(events, e => e.Kind == "malformed" || e.Json.Contains("\"diagnostics\"", StringComparison.Ordinal));
        // In conversation order, compressed part included: each command, then its completion, then the next command.
        var turns = events.Where(e => e.Kind == "command" || e.Type == "command-completed").Select(e => e.Tag).ToList();
        Assert.Equal(commands.SelectMany(c => new[] { c.Tag, c.Tag }), turns);

        var session = store.GetSession(id)!;
        Assert.Equal((0L, commands.Count, 0L, false), (session.Anomalies, session.Commands, session.Failures, session.CaptureIncomplete));
        Assert.Equal(("import", "import", $"{name}.in/.out"), (session.ClientAddress, session.ListenerAddress, session.Upstream));
        Assert.Equal(("logout", "end-of-recording", "end of the rawlog, after LOGOUT"), (session.State, session.CloseReason, session.CloseDetail));
        Assert.Equal(firstStamp, RawlogExport.Timestamp(session.StartedAt).TrimEnd());
        Assert.Equal(["session-opened", "proxy-action"], events.Take(2).Select(e => e.Type));
        Assert.Equal("session-closed", events[^1].Type);
        // Latencies are the differences of Dovecot's stamps: CREATE sent at .203149, answered at .210214.
        if (name == "dovecot-rawlog") Assert.Equal(TimeSpan.FromMicroseconds(7065), completed.Single(c => c.Tag == "B00000004").Latency);
        // The store keeps plaintext: after COMPRESS, inflated.
        var logout = commands[^1];
        Assert.Equal("LOGOUT", logout.Name);
        Assert.Contains($"{logout.Tag} OK Logout completed", Encoding.ASCII.GetString(store.GetRaw(id, Direction.Server)));
        Assert.Contains($"{logout.Tag} LOGOUT\r\n", Encoding.ASCII.GetString(store.GetRaw(id, Direction.Client)));
    }

    [Fact]
    public async Task Import_WithoutTimestamps_OrdersByTurns_AndUsesTheFileTime()
    {
        using var temp = new TempDirectory();
        using var store = new SqliteEventStore(new StorageOptions { DataDirectory = temp.Path });
        var fixture = CapturedSessions.Fixture("imapproxy-capture");

        var id = await RawlogImport.ImportAsync(store, fixture + ".in");

        var events = store.GetEvents(id, 0, 100_000);
        var commands = events.Where(e => e.Kind == "command").ToList();
        Assert.Equal(commands.Select(c => c.Tag), events.Where(e => e.Type == "command-completed").Select(c => c.Tag));
        Assert.Equal(0, store.GetSession(id)!.Anomalies);
        Assert.Equal(new DateTimeOffset(File.GetLastWriteTimeUtc(fixture + ".out")), store.GetSession(id)!.StartedAt);
        Assert.Equal(await File.ReadAllBytesAsync(fixture + ".in"), store.GetRaw(id, Direction.Client));
        Assert.Equal(await File.ReadAllBytesAsync(fixture + ".out"), store.GetRaw(id, Direction.Server));
    }

    [Fact]
    public async Task Import_WaitsForTheWriter_SoATinyQueueLosesNothing()
    {
        using var temp = new TempDirectory();
        using var store = new SqliteEventStore(new StorageOptions { DataDirectory = temp.Path, QueueCapacity = 8, MaxBatchEvents = 3 });

        var id = await RawlogImport.ImportAsync(store, CapturedSessions.Fixture("dovecot-rawlog"));

        var session = store.GetSession(id)!;
        Assert.Equal((false, 0L, 0L), (session.CaptureIncomplete, session.DroppedEvents, session.Anomalies));
        Assert.Equal(19, session.Commands);
        Assert.Equal(session.Events, store.GetEvents(id, 0, 100_000).Count);
    }

    [Fact]
    public async Task Import_ThroughARunningHostsBus_IsANewSessionBesideTheOthers()
    {
        await using var h = new StoreHarness();
        await h.StartAsync();
        var live = await CapturedSessions.CaptureAsync(h, "imapproxy-capture");

        var first = await RawlogImport.ImportAsync(h.Store, h.Bus, h.Writer, CapturedSessions.Fixture("dovecot-rawlog"));
        var second = await RawlogImport.ImportAsync(h.Store, h.Bus, h.Writer, CapturedSessions.Fixture("dovecot-rawlog"));

        Assert.Equal([live + 1, live + 2], new[] { first, second });
        Assert.Equal(h.Store.GetRaw(first, Direction.Server), h.Store.GetRaw(second, Direction.Server));
        Assert.Equal(19, h.Store.GetSession(second)!.Commands);
    }

    [Fact]
    public async Task Import_OfAMissingPair_ThrowsAndStoresNothing()
    {
        using var temp = new TempDirectory();
        using var store = new SqliteEventStore(new StorageOptions { DataDirectory = temp.Path });

        await Assert.ThrowsAsync<FileNotFoundException>(() => RawlogImport.ImportAsync(store, temp.Combine("nothing-here")));

        Assert.Empty(store.GetSessions(10));
    }
}
