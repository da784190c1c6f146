using System.Text;
using ImapProxy.Capture.Events;
using ImapProxy.Capture.Relay;
using ImapProxy.Protocol;
using ImapProxy.Storage.Query;
using ImapProxy.Storage.Tests.Support;

namespace ImapProxy.Storage.Tests.Query;

/// <summary>
/// The in-memory evaluator and the SQL translation must give the same answers. A store is filled through the
/// real capture path (parser, tap, bus, writer) with sessions that differ in every field, then every
/// expression is answered both ways.
/// </summary>
public sealed class FilterEquivalenceTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
    private readonly StoreHarness harness = new();
    private QueryService queries = null!;

    public static TheoryData<string> Expressions() => new(
        "cmd:FETCH", "cmd:\"UID FETCH\"", "cmd:fetch|store", "status:NO", "status:!OK", "status:no|bad",
        "user:alice", "user:AL*", "not user:alice", "client:10.0.0.5", "client:10.0.0.*", "client:[::1]", "server:imap.example.com",
        "mailbox:INBOX", "mailbox:Archive", "tag:a3", "latency>500ms", "latency<=100ms", "size>1KB", "size<100", "bytes>1000",
        "dir:client", "dir:proxy", "dir:client|server", "text:BODYSTRUCTURE", "BODYSTRUCTURE", "text:\"inbox\"",
        "body:\"Subject: hello\"", "body:nothing-like-this", "anomaly:*", "anomaly:unescaped-quote", "anomaly:lowercase-keyword",
        "tls:none", "tls:client", "tls:upstream", "tls:both", "tls:failed", "session:2", "session>=3",
        "after:2026-11-25T10:02", "before:2026-11-25T10:02", "after:2026-11-25", "before:2026-11-24",
        "cmd:FETCH and latency>500ms", "user:alice and status:!OK", "(cmd:SELECT or cmd:EXAMINE) and not user:bob",
        "not (anomaly:* or tls:none)", "user:alice or client:10.0.0.6", "cmd:LOGIN status:ok dir:server",
        "not latency>1ms", "not size>1KB", "not body:\"Subject: hello\"");

    public async Task InitializeAsync()
    {
        await harness.StartAsync();
        queries = new QueryService(harness.Store);
        var clock = new Clock(Start);

        // Each session differs: who, from where, TLS, mailbox, failures, a slow FETCH, a literal body, a quirk.
        Capture(clock, "10.0.0.5:4000", "imap.example.com:993", clientTls: true, upstreamTls: true, "alice", "INBOX", slowFetch: true, quirk: false);
        Capture(clock, "10.0.0.6:4001", "imap.example.com:993", clientTls: false, upstreamTls: true, "bob", "Archive", slowFetch: false, quirk: true);
        Capture(clock, "[::1]:5000", "other.example.org:143", clientTls: false, upstreamTls: false, "carol", "INBOX", slowFetch: false, quirk: false);
        Capture(clock, "10.0.0.5:4002", "imap.example.com:993", clientTls: true, upstreamTls: null, "alice", "Archive", slowFetch: true, quirk: true);
        await harness.IdleAsync();
    }

    public async Task DisposeAsync() => await harness.DisposeAsync();

    [Theory]
    [MemberData(nameof(Expressions))]
    public void EventsMatch_InMemoryAndInSql(string expression)
    {
        var filter = Filter.Parse(expression);
        var context = queries.Context;
        var matchedSomewhere = false;
        foreach (var session in queries.Sessions(null, 100).Rows)
        {
            var all = queries.Events(session.Id, null, QueryService.MaxPage).Rows;
            var inMemory = all.Where(e => filter.MatchesEvent(session, e, context)).Select(e => e.Sequence).ToList();
            var inSql = queries.Events(session.Id, filter, QueryService.MaxPage).Rows.Select(e => e.Sequence).ToList();
            Assert.Equal(inMemory, inSql);
            matchedSomewhere |= inSql.Count > 0;
        }
        // Every expression but the two meant to match nothing must find something, or it tests nothing.
        if (expression is not ("body:nothing-like-this" or "before:2026-11-24"))
            Assert.True(matchedSomewhere, $"'{expression}' matched no event: the generated store should exercise it");
    }

    [Theory]
    [MemberData(nameof(Expressions))]
    public void SessionsMatch_InMemoryAndInSql(string expression)
    {
        var filter = Filter.Parse(expression);
        var context = queries.Context;
        var sessions = queries.Sessions(null, 100).Rows;
        var inMemory = sessions.Where(s => filter.MatchesSession(s, queries.Events(s.Id, null, QueryService.MaxPage).Rows, context)).Select(s => s.Id).ToList();
        var inSql = queries.Sessions(filter, 100).Rows.Select(s => s.Id).ToList();

        Assert.Equal(inMemory, inSql);
        Assert.Equal(inSql, queries.SessionIds(filter));
    }

    [Fact]
    public void KeysetPaging_ReturnsEveryRowOnceInOrder()
    {
        var all = queries.Sessions(null, 1000).Rows.Select(s => s.Id).ToList();
        var paged = new List<long>();
        long? cursor = null;
        do
        {
            var page = queries.Sessions(null, 3, cursor);
            paged.AddRange(page.Rows.Select(s => s.Id));
            cursor = page.Next;
        }
        while (cursor is not null);
        Assert.Equal(all, paged);
        Assert.Equal(all.OrderDescending(), all);

        var session = all[0];
        var events = queries.Events(session, null, QueryService.MaxPage).Rows.Select(e => e.Sequence).ToList();
        var eventPages = new List<long>();
        cursor = null;
        do
        {
            var page = queries.Events(session, null, 7, cursor);
            eventPages.AddRange(page.Rows.Select(e => e.Sequence));
            cursor = page.Next;
        }
        while (cursor is not null);
        Assert.Equal(events, eventPages);
    }

    private void Capture(Clock clock, string client, string upstream, bool clientTls, bool? upstreamTls, string user, string mailbox, bool slowFetch, bool quirk)
    {
        clock.Advance(TimeSpan.FromMinutes(1));
        var id = harness.Store.NextSessionId();
        using var tap = new CaptureTap(id, harness.Bus, clock, 1024 * 1024);
        tap.Publish(new SessionOpened { Source = EventSource.Proxy, ClientAddress = client, ListenerAddress = "127.0.0.1:1993",
            Listener = clientTls ? ListenerKind.Tls : ListenerKind.Plain, Upstream = upstream, UpstreamTls = "implicit", ClientTls = "mirror" });
        if (clientTls) tap.Publish(new TlsHandshake { Source = EventSource.Proxy, Leg = TlsLeg.Client, Succeeded = true, Protocol = "Tls13" });
        if (upstreamTls is { } ok) tap.Publish(new TlsHandshake { Source = EventSource.Proxy, Leg = TlsLeg.Upstream, Succeeded = ok, Protocol = ok ? "Tls13" : null });
        void Say(string side, string text)
        {
            clock.Advance(TimeSpan.FromMilliseconds(50));
            tap.Feed(side == "C" ? Direction.Client : Direction.Server, Encoding.UTF8.GetBytes(text));
        }
        Say("S", quirk ? "* ok ready\r\n" : "* OK [CAPABILITY IMAP4rev1] ready\r\n");
        Say("C", $"a1 LOGIN {user} secret\r\n");
        Say("S", "a1 OK logged in\r\n");
        Say("C", $"a2 SELECT {mailbox}\r\n");
        Say("S", "* 3 EXISTS\r\na2 OK [READ-WRITE] done\r\n");
        Say("C", "a3 FETCH 1 (BODYSTRUCTURE BODY[])\r\n");
        if (slowFetch) clock.Advance(TimeSpan.FromSeconds(2));
        var body = "Subject: hello\r\n\r\n" + new string('x', slowFetch ? 2000 : 10) + "\r\n";
        Say("S", $"* 1 FETCH (BODYSTRUCTURE (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 12 1) BODY[] {{{body.Length}}}\r\n{body})\r\na3 OK done\r\n");
        Say("C", "a4 UID STORE 1 +FLAGS (\\Seen)\r\n");
        Say("S", quirk ? "a4 NO [CANNOT] read-only\r\n" : "* 1 FETCH (FLAGS (\\Seen))\r\na4 OK done\r\n");
        Say("C", "a5 EXAMINE \"Re: the \"big\" plan\"\r\n");
        Say("S", "a5 BAD no such\r\n");
        Say("C", "a7 UID FETCH 1 (FLAGS)\r\n");
        Say("S", "* 1 FETCH (UID 1 FLAGS (\\Seen))\r\na7 OK done\r\n");
        Say("C", "a6 LOGOUT\r\n");
        Say("S", "* BYE bye\r\na6 OK done\r\n");
        tap.Complete();
        tap.Publish(new SessionClosed { Source = EventSource.Proxy, Reason = CloseReason.ServerClosed, Detail = "bye", ClientBytes = 500, ServerBytes = slowFetch ? 3000 : 800 });
    }

    private sealed class Clock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset now = start;
        public override DateTimeOffset GetUtcNow() => now;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => now.UtcTicks;
        public void Advance(TimeSpan by) => now += by;
    }
}
