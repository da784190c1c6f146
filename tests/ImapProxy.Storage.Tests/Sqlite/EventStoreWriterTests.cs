using ImapProxy.Storage.Query;
using System.Text.Json;
using ImapProxy.Recording.Events;
using ImapProxy.Protocol;
using ImapProxy.Storage.Tests.Support;
using Microsoft.Extensions.Logging;

namespace ImapProxy.Storage.Tests.Sqlite;

public abstract class EventStoreWriterTests(StoreEngine engine)
{
    private const string Body40 = "Subject: hi\r\n\r\nforty bytes of body!!\r\n\r\n";
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The writer's thread yields to the relay when CPU is short: nice +10, read back from the kernel.</summary>
    [Fact]
    public async Task Writer_RunsOnAThreadOfItsOwn_AtALowerPriority()
    {
        await using var h = await engine.HarnessAsync();
        await h.StartAsync();
        // Once the writer has stored a session's opening, its thread is running (it lives as long as the writer).
        new Conversation(h.Bus, h.Store.NextSessionId(), Start).Open("127.0.0.1:50000", "imap.example.test:993");
        await h.IdleAsync();
        Assert.Single(h.Store.GetSessions(10));

        // /proc/self/task/TID/stat: "TID (comm) state ..." with the nice value the 19th field; comm is 15 bytes at most.
        var writers = Directory.GetDirectories("/proc/self/task")
            .Select(StatOf).OfType<string>()
            .Where(stat => stat.Contains("(event store wri)"))
            .Select(stat => stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16])
            .ToList();
        // Other tests' writers may be starting (named, not lowered yet) beside this one, which has written: at least one.
        Assert.Contains("10", writers);
    }

    /// <summary>A thread's stat line; null when the thread ended between the listing and the read.</summary>
    private static string? StatOf(string task)
    {
        try
        {
            return File.ReadAllText(Path.Combine(task, "stat"));
        }
        catch (IOException)
        {
            return null;
        }
    }

    [Fact]
    public async Task WholeSession_ReadsBackSummaryEventsAndRawBytes()
    {
        await using var h = await engine.HarnessAsync();
        await h.StartAsync();
        var s = new Conversation(h.Bus, h.Store.NextSessionId(), Start) { ReadSize = 7, LiteralCap = 16, Step = TimeSpan.FromMilliseconds(1) };
        Assert.Equal(40, Body40.Length);

        s.Open("127.0.0.1:50000", "imap.example.test:993", upstreamInsecure: true);
        s.Tls(TlsLeg.Client, protocol: "Tls13");
        s.Tls(TlsLeg.Upstream, protocol: "Tls12");
        s.Server("* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n");
        s.Client("a1 LOGIN alice secret\r\n");
        s.Server("a1 OK LOGIN completed\r\n");
        s.Client("a2 SELECT INBOX\r\n");
        s.Server("* 3 exists\r\n* FLAGS (\\Seen)\r\na2 OK [READ-WRITE] SELECT completed\r\n");
        s.Client("a3 FETCH 1 (BODY[])\r\n");
        s.Server("* 1 FETCH (BODY[] {40}\r\n" + Body40 + ")\r\na3 OK FETCH completed\r\n");
        s.Client("a4 FETCH 2 (BODY[])\r\n");
        s.Server("* 2 FETCH (BODY[] {5}\r\nhello)\r\na4 OK done\r\n");
        s.Client("a5 BOGUS\r\n");
        s.Server("a5 BAD unknown command\r\n");
        s.Client("a6 SELECT Missing\r\n");
        s.Server("a6 NO no such mailbox\r\n");
        s.Client("a7 LOGOUT\r\n");
        s.Server("* BYE logging out\r\na7 OK LOGOUT completed\r\n");
        s.Close(detail: "client said LOGOUT");
        await h.IdleAsync();

        var numbered = s.Published.Where(e => e is not RawBytes).ToList();
        var raw = s.Published.OfType<RawBytes>().ToList();
        // The recording publishes raw bytes a line (or a piece of literal) at a time: 24 chunks for these 24 lines
        // and literals, which the store must put back together in order.
        Assert.True(raw.Count >= 20, $"the bytes should arrive in many chunks, not {raw.Count}");
        Assert.Single(numbered.OfType<LiteralTruncated>());

        // 1. The summary row.
        var session = h.Store.GetSession(s.SessionId)!;
        Assert.Equal(Start + TimeSpan.FromMilliseconds(1), session.StartedAt);
        Assert.Equal(numbered[^1].Time, session.EndedAt);
        Assert.Equal("127.0.0.1:50000", session.ClientAddress);
        Assert.Equal("127.0.0.1:1993", session.ListenerAddress);
        Assert.Equal("tls", session.Listener);
        Assert.Equal("imap.example.test:993", session.Upstream);
        Assert.True(session.UpstreamInsecure);
        Assert.Equal("Tls13", session.ClientLegTls);
        Assert.Equal("Tls12", session.UpstreamLegTls);
        Assert.Equal("alice", session.User);
        Assert.Equal("logout", session.State);
        Assert.Equal("INBOX", session.Mailbox);
        Assert.Equal("client-closed", session.CloseReason);
        Assert.Equal("client said LOGOUT", session.CloseDetail);
        var closed = Assert.IsType<SessionClosed>(numbered[^1]);
        Assert.Equal(closed.ClientBytes, session.ClientBytes);
        Assert.Equal(closed.ServerBytes, session.ServerBytes);
        Assert.Equal(7, session.Commands);
        Assert.Equal(2, session.Failures);
        var diagnostics = numbered.OfType<FrameParsed>().Sum(f => f.Frame.Diagnostics?.Count ?? 0);
        Assert.True(diagnostics > 0, "'* 3 exists' in lower case should be reported");
        Assert.Equal(diagnostics, session.Anomalies);
        Assert.Equal(numbered.Count, session.Events);
        Assert.False(session.CaptureIncomplete);

        // 2. One row per event, in order, each with its whole JSON.
        var rows = h.Store.GetEvents(s.SessionId, afterSeq: 0, limit: 10_000);
        Assert.Equal(numbered.Select(e => e.Sequence), rows.Select(r => r.Sequence));
        Assert.Equal(Enumerable.Range(1, numbered.Count).Select(i => (long)i), rows.Select(r => r.Sequence));
        foreach (var (e, row) in numbered.Zip(rows))
        {
            Assert.Equal(JsonSerializer.Serialize(e, FrameJson.Options), row.Json);
            Assert.Equal(e.Time, row.Time);
            Assert.Equal(e.Elapsed, row.Elapsed);
            Assert.Equal(e.Offset, row.Offset);
            using var json = JsonDocument.Parse(row.Json);
            Assert.Equal(json.RootElement.GetProperty("type").GetString(), row.Type);
            Assert.Equal(json.RootElement.GetProperty("source").GetString(), row.Source);
            if (e is FrameParsed) Assert.Equal(json.RootElement.GetProperty("frame").GetProperty("kind").GetString(), row.Kind);
        }

        var login = Assert.Single(rows, r => r is { Kind: "command", Name: "LOGIN" });
        Assert.Equal("a1", login.Tag);
        Assert.Contains("[redacted]", login.Json);
        Assert.DoesNotContain("secret", login.Json);

        var completions = rows.Where(r => r.Type == "command-completed").ToList();
        Assert.Equal(["LOGIN", "SELECT", "FETCH", "FETCH", "BOGUS", "SELECT", "LOGOUT"], completions.Select(r => r.Name));
        Assert.Equal(["ok", "ok", "ok", "ok", "bad", "no", "ok"], completions.Select(r => r.Status));
        Assert.Equal(numbered.OfType<CommandCompleted>().Select(c => (TimeSpan?)c.Latency), completions.Select(r => r.Latency));
        Assert.All(completions, c => Assert.True(c.Latency > TimeSpan.Zero));

        var exists = Assert.Single(rows, r => r is { Kind: "response", Name: "EXISTS" });
        Assert.Equal("server", exists.Source);
        Assert.Single(rows, r => r is { Kind: "state", Name: "selected" });
        Assert.Single(rows, r => r is { Type: "tls-handshake", Name: "client", Status: "ok" });
        Assert.Single(rows, r => r is { Type: "session-closed", Name: "client-closed" });
        var truncated = Assert.Single(rows, r => r.Type == "literal-truncated");
        Assert.Contains("\"length\":40,\"kept\":16", truncated.Json);

        // Paging: the second page starts after the last sequence of the first.
        var page = h.Store.GetEvents(s.SessionId, afterSeq: 10, limit: 5);
        Assert.Equal([11L, 12, 13, 14, 15], page.Select(r => r.Sequence));

        // 3. Raw bytes, byte-exact per direction; the cut part of the big literal is a gap.
        foreach (var direction in new[] { Direction.Client, Direction.Server })
            Assert.Equal(s.Raw(direction).SelectMany(r => r.Data), h.Store.GetRaw(s.SessionId, direction));
        Assert.Contains("a1 LOGIN alice ******\r\n", System.Text.Encoding.ASCII.GetString(h.Store.GetRaw(s.SessionId, Direction.Client)));

        var literal = numbered.OfType<LiteralTruncated>().Single();
        var segments = h.Store.GetRawSegments(s.SessionId, Direction.Server);
        Assert.Equal(2, segments.Count);
        Assert.Equal(0, segments[0].Offset);
        Assert.Equal(literal.LiteralOffset + 16, segments[0].End);
        Assert.Equal(literal.LiteralOffset + 40, segments[1].Offset);
        Assert.Equal(closed.ServerBytes, segments[1].End);
        Assert.Single(h.Store.GetRawSegments(s.SessionId, Direction.Client));

        // 4. The writer's counters agree.
        Assert.Equal(numbered.Count, h.Writer.EventsWritten);
        Assert.Equal(raw.Sum(r => r.Data.Length), h.Writer.RawBytesWritten);
        Assert.Equal(0, h.Writer.EventsSkipped);
        Assert.Equal(0, h.Writer.EventsLost);
    }

    [Theory]
    [InlineData("a1 LOGIN alice wrong\r\n", "a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n")]
    [InlineData("a1 AUTHENTICATE PLAIN AGFsaWNlAHdyb25n\r\n", "a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n")]
    public async Task FailedLogin_StillNamesTheUserItTried(string login, string refusal)
    {
        // user:alice must find alice's failed logins, not only her sessions that got in.
        await using var h = await engine.HarnessAsync();
        await h.StartAsync();
        var s = new Conversation(h.Bus, h.Store.NextSessionId(), Start);
        s.Open("10.0.0.5:4000", "imap.example.com:993").Server("* OK ready\r\n").Client(login).Server(refusal).Close();
        await h.IdleAsync();

        var row = h.Store.GetSession(s.SessionId)!;
        Assert.Equal(("alice", "not-authenticated"), (row.User, row.State ?? "not-authenticated"));
    }

    [Fact]
    public async Task ATrickleOfEvents_GathersIntoOneTransaction_UntilSomeoneWaitsForTheStore()
    {
        // Ten minutes of gathering: the writer holds the trickle until the wait below asks for it, far sooner than
        // the harness's 60-second timeout; a writer that did not stop gathering for it would fail that timeout.
        await using var h = await engine.HarnessAsync(o => o with { CoalesceDelay = TimeSpan.FromMinutes(10) });
        await h.StartAsync();
        var id = h.Store.NextSessionId();
        h.Bus.Publish(Synthetic.Opened(id));
        for (var seq = 2; seq <= 5; seq++) h.Bus.Publish(Synthetic.Action(id, seq));

        await h.IdleAsync();

        Assert.Equal(1, h.Writer.Batches);
        Assert.Equal(5, h.Writer.EventsWritten);
        Assert.Equal(4, h.Store.GetEvents(id, 0, 10).Count(r => r.Type == "proxy-action"));
    }

    [Fact]
    public async Task QueuedThousands_AreWrittenInOneTransaction()
    {
        await using var h = await engine.HarnessAsync(o => o with { MaxBatchEvents = 5_000 });
        var events = Synthetic.Session(h.Store.NextSessionId(), 5_000);
        foreach (var e in events) Assert.True(h.Bus.Publish(e));

        await h.StartAsync();
        await h.IdleAsync();

        Assert.Equal(1, h.Writer.Batches);
        Assert.Equal(5_000, h.Writer.LastBatchSize);
        Assert.Equal(5_000, h.Writer.EventsWritten);
        Assert.Equal(5_000, h.Store.GetSession(events[0].SessionId)!.Events);
    }

    [Fact]
    public async Task Batches_AreCutAtTheEventAndByteLimits()
    {
        await using var h = await engine.HarnessAsync(o => o with { MaxBatchEvents = 2_000, MaxBatchBytes = 10_000 });
        var id = h.Store.NextSessionId();
        foreach (var e in Synthetic.Session(id, 5_000)) h.Bus.Publish(e);
        await h.StartAsync();
        await h.IdleAsync();
        Assert.Equal(3, h.Writer.Batches);
        Assert.Equal(1_000, h.Writer.LastBatchSize);

        // 100 chunks of 1,000 bytes: a batch closes once it holds 10,000 bytes.
        for (var i = 0; i < 100; i++) h.Bus.Publish(Synthetic.Raw(id, EventSource.Client, i * 1_000, new byte[1_000]));
        await h.IdleAsync();
        Assert.Equal(3 + 10, h.Writer.Batches);
        Assert.Equal(100_000, h.Writer.RawBytesWritten);
    }

    [Fact]
    public async Task RawChunks_AreMergedIntoRowsOfBoundedSize()
    {
        await using var h = await engine.HarnessAsync(o => o with { RawRowBytes = 1_000, MaxBatchEvents = 20_000 });
        var id = h.Store.NextSessionId();
        h.Bus.Publish(Synthetic.Opened(id));
        var expected = new byte[100_000];
        Random.Shared.NextBytes(expected);
        for (var i = 0; i < 10_000; i++) h.Bus.Publish(Synthetic.Raw(id, EventSource.Server, i * 10, expected.AsSpan(i * 10, 10).ToArray()));
        await h.StartAsync();
        await h.IdleAsync();

        Assert.Equal(expected, h.Store.GetRaw(id, Direction.Server));
        using var connection = h.Store.OpenConnection();
        using var command = EventStore.Command(connection, $"SELECT count(*), max({h.Store.Dialect.RawLength("r")}) FROM raw r WHERE session_id = @id", ("@id", id));
        using var reader = command.ExecuteReader();
        reader.Read();
        Assert.Equal(100, reader.GetInt64(0));
        Assert.Equal(1_000, reader.GetInt64(1));
    }

    [Fact]
    public async Task RawChunks_SpanningBatchesAndGaps_ReadBackExactly()
    {
        await using var h = await engine.HarnessAsync(o => o with { MaxBatchEvents = 37, RawRowBytes = 256 });
        await h.StartAsync();
        var id = h.Store.NextSessionId();
        h.Bus.Publish(Synthetic.Opened(id));
        var data = Enumerable.Range(0, 5_000).Select(i => (byte)i).ToArray();
        // Bytes 2,000..2,999 were never captured (a literal cut by the capture cap).
        for (var offset = 0; offset < data.Length; offset += 13)
        {
            if (offset is >= 2_000 and < 3_000) continue;
            var length = Math.Min(13, data.Length - offset);
            h.Bus.Publish(Synthetic.Raw(id, EventSource.Client, offset, data.AsSpan(offset, length).ToArray()));
        }
        await h.IdleAsync();

        var segments = h.Store.GetRawSegments(id, Direction.Client);
        Assert.Equal(2, segments.Count);
        Assert.Equal((0L, 2_002L), (segments[0].Offset, segments[0].End)); // 2,002: first multiple of 13 at or past 2,000
        Assert.Equal(data[..2_002], segments[0].Data);
        Assert.Equal(3_003, segments[1].Offset);
        Assert.Equal(data[3_003..], segments[1].Data);

        // A window in the middle of the stream, across row and gap boundaries.
        var window = h.Store.GetRawSegments(id, Direction.Client, from: 1_990, to: 3_010);
        Assert.Equal([(1_990L, 12), (3_003L, 7)], window.Select(w => (w.Offset, w.Data.Length)));
        Assert.Equal(data[1_990..2_002], window[0].Data);
    }

    /// <summary>
    /// The relay's full chunks are pooled buffers: the writer gives each back once written, and what the pool's next
    /// renter writes into it must not reach the stored bytes.
    /// </summary>
    [Fact]
    public async Task PooledRawChunks_GoBackOnceWritten_AndReusingThemChangesNothingStored()
    {
        await using var h = await engine.HarnessAsync();
        await h.StartAsync();
        var id = h.Store.NextSessionId();
        var pool = new ReturnedArrays();
        // Whole rows, which the store writes without copying them first.
        var size = h.Options.RawRowBytes;
        var expected = new byte[3 * size];
        Random.Shared.NextBytes(expected);
        var buffers = Enumerable.Range(0, 3).Select(i => expected.AsSpan(i * size, size).ToArray()).ToList();
        h.Bus.Publish(Synthetic.Opened(id));
        for (var i = 0; i < buffers.Count; i++)
            h.Bus.Publish(Synthetic.Raw(id, EventSource.Server, i * size, buffers[i]) with { Lease = new RawChunkLease(buffers[i], pool) });
        await h.IdleAsync();

        Assert.Equal(buffers.Count, pool.Returned.Count);
        Assert.All(buffers, b => Assert.Contains(b, pool.Returned, ReferenceEqualityComparer.Instance));
        Assert.Equal(expected, h.Store.GetRaw(id, Direction.Server));
    }

    /// <summary>A pool that keeps what came back to it and, as its next renter would, overwrites it at once: a buffer
    /// given back before its bytes were written would store x's.</summary>
    private sealed class ReturnedArrays : System.Buffers.ArrayPool<byte>
    {
        public List<byte[]> Returned { get; } = [];

        public override byte[] Rent(int minimumLength) => new byte[minimumLength];

        public override void Return(byte[] array, bool clearArray = false)
        {
            lock (Returned) Returned.Add(array);
            Array.Fill(array, (byte)'x');
        }
    }

    [Fact]
    public async Task SessionsItOpens_CarryTheInstanceName_ForListsAndFilters()
    {
        await using var h = await engine.HarnessAsync(o => o with { Instance = "office-1" });
        await h.StartAsync();
        var id = h.Store.NextSessionId();
        h.Bus.Publish(Synthetic.Opened(id));
        await h.IdleAsync();

        Assert.Equal("office-1", h.Store.GetSession(id)!.Instance);
        var queries = new QueryService(h.Store);
        Assert.Equal([id], queries.Sessions(Filter.Parse("instance:OFFICE-1"), 10).Rows.Select(s => s.Id));
        Assert.Empty(queries.Sessions(Filter.Parse("instance:office-2"), 10).Rows);
    }

    [Fact]
    public async Task BadEvents_AreSkippedAndLogged_TheWriterGoesOn()
    {
        await using var h = await engine.HarnessAsync();
        await h.StartAsync();
        var id = h.Store.NextSessionId();
        h.Bus.Publish(Synthetic.Opened(id));
        h.Bus.Publish(Synthetic.Action(id, 2));
        h.Bus.Publish(Synthetic.Action(id, 2)); // duplicate sequence
        h.Bus.Publish(Synthetic.Raw(id, EventSource.Proxy, 0, [1, 2, 3])); // raw bytes belong to a direction
        h.Bus.Publish(Synthetic.Raw(id, EventSource.Client, 0, [1, 2, 3]) with { Offset = null });
        h.Bus.Publish(Synthetic.Action(id, 3));
        await h.IdleAsync();

        Assert.Equal(3, h.Writer.EventsSkipped);
        Assert.Equal([1L, 2, 3], h.Store.GetEvents(id, 0, 100).Select(r => r.Sequence));
        Assert.Equal(3, h.Logger.Entries.Count(e => e.Level == LogLevel.Warning));

        // The same raw offset twice: the second row is refused, the first kept.
        h.Bus.Publish(Synthetic.Raw(id, EventSource.Client, 0, [1, 2, 3]));
        await h.IdleAsync();
        h.Bus.Publish(Synthetic.Raw(id, EventSource.Client, 0, [9, 9, 9]));
        h.Bus.Publish(Synthetic.Action(id, 4));
        await h.IdleAsync();
        Assert.Equal(4, h.Writer.EventsSkipped);
        Assert.Equal([1, 2, 3], h.Store.GetRaw(id, Direction.Client));
        Assert.Equal(4, h.Store.GetSession(id)!.Events);
    }

    [Fact]
    public async Task DuplicatesWithinOneBatch_KeepTheFirst_AndTheRestOfTheBatch()
    {
        await using var h = await engine.HarnessAsync();
        var id = h.Store.NextSessionId();
        h.Bus.Publish(Synthetic.Opened(id));
        h.Bus.Publish(Synthetic.Action(id, 2));
        h.Bus.Publish(Synthetic.Action(id, 2) with { Description = "the second event 2" });
        h.Bus.Publish(Synthetic.Raw(id, EventSource.Client, 0, [1, 2, 3]));
        h.Bus.Publish(Synthetic.Raw(id, EventSource.Server, 0, [4, 5]));
        h.Bus.Publish(Synthetic.Raw(id, EventSource.Client, 0, [9, 9, 9]));
        h.Bus.Publish(Synthetic.Action(id, 3));
        // Published before the writer starts: one batch holds them all.
        await h.StartAsync();
        await h.IdleAsync();

        Assert.Equal(1, h.Writer.Batches);
        Assert.Equal(2, h.Writer.EventsSkipped);
        Assert.Equal(["event 2", "event 3"], h.Store.GetEvents(id, 1, 10).Select(r => ((ProxyAction)r.ReadEvent()).Description));
        Assert.Contains(h.Logger.Entries, e => e.Message == $"Event store skipped ProxyAction 2 of session {id}: an event with that sequence is stored already");
        Assert.Contains(h.Logger.Entries, e => e.Message.Contains($"skipped 3 raw client bytes at 0 of session {id}: bytes at that offset are stored already"));
        Assert.Equal([1, 2, 3], h.Store.GetRaw(id, Direction.Client));
        Assert.Equal([4, 5], h.Store.GetRaw(id, Direction.Server));
        Assert.Equal(3, h.Store.GetSession(id)!.Events);
        Assert.Equal(5, h.Writer.RawBytesWritten);
    }

    [Fact]
    public async Task EventsOfASessionWhoseOpeningWasDropped_AreStillStored()
    {
        await using var h = await engine.HarnessAsync();
        await h.StartAsync();
        var id = h.Store.NextSessionId();
        // Raw bytes come first (the server's greeting), in a batch of their own.
        h.Bus.Publish(Synthetic.Raw(id, EventSource.Client, 0, [65]));
        await h.IdleAsync();
        Assert.NotNull(h.Store.GetSession(id));
        Assert.Equal([65], h.Store.GetRaw(id, Direction.Client));
        h.Bus.Publish(Synthetic.Action(id, 2));
        h.Bus.Publish(new CaptureIncomplete
        {
            SessionId = id, Sequence = 3, Time = Synthetic.Time, Elapsed = TimeSpan.Zero, Source = EventSource.Proxy, DroppedEvents = 1,
        });
        await h.IdleAsync();

        var stand_in = h.Store.GetSession(id)!;
        Assert.Null(stand_in.ClientAddress);
        Assert.True(stand_in.CaptureIncomplete);
        Assert.Equal(1, stand_in.DroppedEvents);
        Assert.Equal(2, stand_in.Events);

        // An opening that arrives late still fills in its columns.
        h.Bus.Publish(Synthetic.Opened(id));
        await h.IdleAsync();
        Assert.Equal("127.0.0.1:50000", h.Store.GetSession(id)!.ClientAddress);
        Assert.Equal(3, h.Store.GetSession(id)!.Events);
    }

    [Fact]
    public async Task Stopping_WritesWhatIsStillQueued()
    {
        await using var h = await engine.HarnessAsync();
        await h.StartAsync();
        var events = Synthetic.Session(h.Store.NextSessionId(), 20_000);
        foreach (var e in events) h.Bus.Publish(e);
        await h.StopAsync();

        Assert.Equal(20_000, h.Writer.EventsWritten);
        Assert.Equal(20_000, h.Store.GetSession(events[0].SessionId)!.Events);
    }

    [Fact]
    public async Task WaitUntilWritten_WaitsForWhatWasQueuedBeforeIt_NotForWhatKeepsComing()
    {
        // A proxy under load never has an empty queue; the dashboard still needs the store to hold what was
        // published before it asked. A publisher that does not pause stands for the load: the wait must return
        // while it is still publishing, with everything published before the wait stored.
        await using var h = await engine.HarnessAsync(o => o with { QueueCapacity = 2_000, MaxBatchEvents = 100 });
        await h.StartAsync();
        var id = h.Store.NextSessionId();
        h.Bus.Publish(Synthetic.Opened(id));
        for (var seq = 2; seq <= 500; seq++) h.Bus.Publish(Synthetic.Action(id, seq));
        using var stop = new CancellationTokenSource(StoreHarness.Timeout);
        var load = Task.Run(() =>
        {
            for (long seq = 501; !stop.IsCancellationRequested; seq++) h.Bus.Publish(Synthetic.Action(id, seq));
        });

        await h.Writer.WaitUntilWrittenAsync(stop.Token);
        var stillPublishing = !stop.IsCancellationRequested;
        var stored = h.Store.GetEvents(id, 0, 500).Select(r => r.Sequence).ToList();
        await stop.CancelAsync();
        await load;

        Assert.True(stillPublishing, "the wait returned only once the publisher had stopped");
        Assert.Equal(Enumerable.Range(1, 500).Select(s => (long)s), stored);
    }

    [Fact]
    public async Task WaitUntilWritten_ReturnsOnceTheWriterHasStopped()
    {
        await using var h = await engine.HarnessAsync();
        await h.StartAsync();
        await h.StopAsync();
        h.Bus.Publish(Synthetic.Opened(h.Store.NextSessionId()));
        await h.IdleAsync();
        Assert.Equal(0, h.Writer.EventsWritten);
    }
}

public sealed class SqliteEventStoreWriterTests() : EventStoreWriterTests(StoreEngine.Sqlite);

public sealed class PostgresEventStoreWriterTests() : EventStoreWriterTests(StoreEngine.Postgres);
