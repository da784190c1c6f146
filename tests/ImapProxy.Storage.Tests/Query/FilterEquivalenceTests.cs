using ImapProxy.Recording.Events;
using ImapProxy.Storage.Query;

namespace ImapProxy.Storage.Tests.Query;

/// <summary>
/// Every expression below has the sessions it must match, written by hand, and the in-memory evaluator and the
/// SQL translation must give the same answers: every expression is
/// answered both ways on <see cref="CapturedStore"/>, for events (per session and across sessions), for sessions,
/// and for live events before they are stored.
/// One contract for both engines: <see cref="SqliteFilterEquivalenceTests"/> and <see cref="PostgresFilterEquivalenceTests"/>.
/// </summary>
public abstract class FilterEquivalenceTests(CapturedStore store)
{
    // Expressions meant to match nothing in the captured store (everything else must match something, or it tests nothing).
    private static readonly HashSet<string> MatchNothing =
    [
        "cmd:\"UID *\"", "user:åsa", "user:\"ali*\"", "body:\"subject: hello\"", "body:nothing-like-this", "body:\"Subject: later\"",
        "before:2026-11-24", "latency<1", "mailbox:ENTWÜRFE", "mailbox:1_0*", "size>2MB", "text:1_0", "app:MailKit*",
        "client-app:*imaplib*|curl*", "ja4:t13d1516h2x8daaf6152771_e5627efa2ab1",
        // No event is both tagged and untagged, and alice's commands all completed OK.
        "untagged:bye status:!ok", "user:alice and status:!OK",
        // No server here answered NO or BAD untagged; no session was relayed by a named proxy.
        "untagged:no|bad", "instance:*",
    ];

    // Every expression with the sessions it must match, newest first, worked out by hand from CapturedStore's
    // conversations (1 alice, 2 bob, 3 carol, 4 failed TLS, 5 ÅSA, 6 unreachable): the differential tests below
    // catch the two evaluators disagreeing, these catch them agreeing on a wrong answer. Sessions match term by
    // term (an event field: one of its events does), so a session answer can be non-empty where no single event
    // matches ("untagged:bye status:!ok").
    private static readonly (string Expression, string Sessions)[] Expected =
    [
        // cmd: names without "UID "; "UID *" is a name no command has.
        ("cmd:FETCH", "5 2 1"), ("cmd:fetch", "5 2 1"), ("cmd:\"UID FETCH\"", "5 1"), ("cmd:FETCH|STORE", "5 2 1"),
        ("cmd:!FETCH", "5 3 2 1"), ("cmd:*STORE", "2 1"), ("cmd:\"UID *\"", ""), ("command:select", "5 3 2 1"),
        // A name and a pattern together: carol's IDLE, alice's and bob's STOREs.
        ("cmd:IDLE|*STORE", "3 2 1"),
        // status: tagged completions; bob's NO and BAD, åsa's BAD.
        ("status:NO", "2"), ("status:!OK", "5 2"), ("status:no|bad", "5 2"), ("status:*", "5 3 2 1"), ("status!=ok", "5 2"),
        ("not status:OK", "6 4"),
        // untagged: greetings (bob's "* ok" too), carol's PREAUTH, the LOGOUTs' BYE.
        ("untagged:BYE", "5 2 1"), ("untagged:!OK", "5 3 2 1"), ("untagged:preauth", "3"), ("untagged:ok|bye", "5 2 1"),
        ("untagged:*", "5 3 2 1"), ("not untagged:bye", "6 4 3"), ("untagged:bye status:!ok", "5 2"), ("untagged:no|bad", ""),
        // user: ASCII case folding only, so åsa is not ÅSA; a quoted * is a character.
        ("user:alice", "1"), ("user:AL*", "1"), ("user:!alice", "5 2"), ("not user:alice", "6 5 4 3 2"), ("user:*", "5 2 1"),
        ("not user:*", "6 4 3"), ("user:åsa", ""), ("user:ÅSA", "5"), ("user:\"ali*\"", ""),
        // client, server: an address matches any port; 10.0.0.5 is not 10.0.0.55.
        ("client:10.0.0.5", "1"), ("client:10.0.0.*", "6 4 2 1"), ("client:[::1]", "3"), ("client:::1", "3"),
        ("client:10.0.0.5:4000", "1"), ("client:!10.0.0.5", "6 5 4 3 2"),
        ("server:imap.example.com", "4 2 1"), ("server:*.example.*", "6 4 3 2 1"), ("server:other.example.org:143", "3"),
        ("server:!imap.example.com", "6 5 3"),
        // mailbox: selected or named (alice INBOX, Sent; bob Archive, 100%_done, Drafts, Entwürfe; carol inbox, Trash;
        // åsa Entwürfe); % and _ are characters, ü is not folded.
        ("mailbox:INBOX", "3 1"), ("mailbox:inbox", "3 1"), ("mailbox:Drafts", "2"), ("mailbox:\"100%_done\"", "2"),
        ("mailbox:100*", "2"), ("mailbox:1_0*", ""), ("mailbox:Entwürfe", "5 2"), ("mailbox:ENTWüRFE", "5 2"),
        ("mailbox:ENTWÜRFE", ""), ("mailbox:!INBOX", "5 3 2 1"), ("mailbox:Sent|Trash", "3 1"),
        ("tag:a3", "1"), ("tag:A3", "1"), ("tag:a*", "1"), ("tag:!a1", "5 3 2 1"),
        // latency: every completion takes one 10 ms step, but alice's a3 (2.01 s) and a6 (0.61 s), carol's IDLE
        // (30 s and four steps) and åsa's SELECT (20 ms: its EXISTS and its OK come in two reads); a bare number is
        // milliseconds or less, so "<1" matches nothing.
        ("latency>500ms", "3 1"), ("latency>=2s", "3 1"), ("latency<=100ms", "5 3 2 1"), ("latency<1", ""),
        ("latency>1.5s", "3 1"), ("latency:10ms", "5 3 2 1"), ("latency!=10ms", "5 3 1"), ("latency>100us", "5 3 2 1"),
        ("latency>0.5m", "3"), ("latency>20s|0.62s", "3 1"),
        // At the 10 ms step itself: > leaves bob's (all 10 ms) out, <= takes every session with a completion.
        ("latency>10ms", "5 3 1"), ("latency<=10ms", "5 3 2 1"),
        // size of a session: bytes relayed both ways — alice 1.7 KB, bob 496 B (205 + 291), carol 304 B so far,
        // åsa 1.1 MB, sessions 4 and 6 none. No session relayed exactly 12 or 1,100,056 bytes (events did).
        ("size>1KB", "5 1"), ("size>1MB", "5"), ("size<100", "6 4"), ("size>=1KiB", "5 1"), ("size:12", ""),
        ("size>0.5KB", "5 1"), ("size:0", "6 4"), ("size!=0", "5 3 2 1"), ("size>=16KiB", "5"), ("size>16383", "5"),
        ("size>1MB|2MB", "5"), ("size>=1MB and not dir:client", ""), ("size:1100056", ""),
        // One alternative below the large frames' index: events of every size above 10 bytes, not only large ones.
        ("size>16KiB|10", "5 3 2 1"),
        // dir: every session has the proxy's opening; sessions 4 and 6 never reached a server.
        ("dir:client", "5 3 2 1"), ("dir:proxy", "6 5 4 3 2 1"), ("dir:client|server", "5 3 2 1"), ("dir:!server", "6 5 4 3 2 1"),
        ("direction:server", "5 3 2 1"),
        // text: the stored JSON, ASCII case folded, no wildcards.
        ("text:BODYSTRUCTURE", "1"), ("BODYSTRUCTURE", "1"), ("bodystructure", "1"), ("text:\"inbox\"", "3 1"),
        ("\"Re: the\"", "2"), ("text:!FETCH", "6 5 4 3 2 1"),
        // Negated, a rare text (the index has candidates for it) still matches every event without it.
        ("text:!BODYSTRUCTURE", "6 5 4 3 2 1"), ("foo|BYE", "5 2 1"), ("Entwürfe", "5 2"),
        ("text:\"100%_\"", "2"), ("text:1_0", ""), ("text:\"\\\\Seen\"", "1"),
        // body: the bytes, case-sensitive; alice's "Subject: later" lies past the 400-byte literal cap. "x": alice's
        // body and carol's "inbox" (alice's INBOX is upper case); "hi": bob's message and his "b1 OK hi".
        ("body:\"Subject: hello\"", "5 2 1"), ("body:\"subject: hello\"", ""), ("body:nothing-like-this", ""),
        ("body:\"Subject: later\"", ""), ("body:!Subject", "5 3 2 1"), ("body:\"long enough to cross several raw rows\"", "5"),
        ("body:binary", "5"), ("body:x|hi", "3 2 1"), ("body:\"\\\\Seen\"", "1"),
        // anomaly: bob's "* ok", APPEND's unannounced LITERAL+, the envelope's bare quote and a quoted "Entwürfe";
        // åsa's quoted ÅSA and Entwürfe and a bare LF.
        ("anomaly:*", "5 2"), ("anomaly:lowercase-keyword", "2"), ("anomaly:unescaped-quote|quoted-8bit", "5 2"),
        ("rule:bare-lf", "5"), ("anomaly:!lowercase-keyword", "5 2"), ("anomaly:literal-plus-not-announced", "2"),
        // client-app: only carol's ID names one; no tag here has a known client's shape.
        ("client-app:*", "3"), ("app:MailKit*", ""), ("not client-app:*", "6 5 4 2 1"), ("client-app:*imaplib*|curl*", ""),
        // findings: bob's plaintext login (info), FETCH above EXISTS (error), BAD for a valid STORE (warning);
        // åsa's plaintext login upstream (info).
        ("finding:*", "5 2"), ("finding:bad-for-valid-command|sequence-above-exists", "2"), ("finding:!plaintext-login", "2"),
        ("findings:PLAINTEXT-LOGIN", "5 2"), ("severity:info|warning", "5 2"), ("severity:!info", "2"), ("not finding:*", "6 4 3 1"),
        ("finding:* user:bob", "2"), ("severity:error or anomaly:*", "5 2"),
        // tls: alice both legs, bob upstream, åsa client, session 4's client handshake failed (so neither leg has TLS).
        ("tls:none", "6 4 3"), ("tls:client", "5 1"), ("tls:upstream", "2 1"), ("tls:both", "1"), ("tls:failed", "4"),
        ("tls:!none", "5 2 1"), ("tls:client|upstream", "5 2 1"),
        // sni, ja4: the client legs' ClientHellos — alice asked for imap.example.com, åsa for Mail.Test, session 4's
        // TLS 1.0 client dialled an address; bob's and carol's client legs were plaintext, session 6 had none. "_" is a
        // character in a JA4, not a wildcard.
        ("sni:imap.example.com", "1"), ("sni:MAIL.TEST", "5"), ("sni:*.test", "5"), ("sni:!imap.example.com", "5"),
        ("not sni:*", "6 4 3 2"), ("sni:* cmd:FETCH", "5 1"),
        ("ja4:t13d1516h2_8daaf6152771_e5627efa2ab1", "1"), ("ja4:t13d1516h2x8daaf6152771_e5627efa2ab1", ""), ("ja4:t13d*", "5 1"),
        ("ja4:*_000000000000", "4"), ("ja4:!t13d*", "4"), ("ja4:t10*|t13d1712*", "5 4"), ("not ja4:* tls:!none", "2"),
        ("altered:yes", "2"), ("altered:no", "6 5 4 3 1"), ("altered:!yes", "6 5 4 3 1"), ("altered:yes|no", "6 5 4 3 2 1"),
        ("altered:no cmd:FETCH", "5 1"), ("instance:*", ""), ("not instance:*", "6 5 4 3 2 1"),
        ("session:2", "2"), ("session>=3", "6 5 4 3"), ("session<2", "1"), ("id:1|3", "3 1"), ("session!=2", "6 5 4 3 1"),
        // after, before: a session by its start, minute n past 10:00 for session n (plus a 10 ms step); no offset is UTC.
        ("after:2026-11-25T10:03", "6 5 4 3"), ("before:2026-11-25T10:03", "2 1"), ("after:2026-11-25", "6 5 4 3 2 1"),
        ("before:2026-11-24", ""), ("after:2026-11-25T10:02:00.5Z", "6 5 4 3"), ("before:2026-11-25T11:03+01:00", "2 1"),
        ("after:2026-11-25T10:01:02.5", "6 5 4 3 2"),
        // At the exact instant of an event: carol's opening (10:03:00.010, one step after her minute), bob's close
        // (10:02:00.210, 21 steps after his); after: takes what happened at that instant, before: does not.
        // Alice's conversation runs past 10:01:01 (her a3 waits 2 s): before: takes only what came before it.
        ("after:2026-11-25T10:03:00.01", "6 5 4 3"), ("before:2026-11-25T10:03:00.01", "2 1"),
        ("after:2026-11-25T10:02:00.21", "6 5 4 3"), ("before:2026-11-25T10:02:00.21", "2 1"), ("before:2026-11-25T10:01:01", "1"),
        // combinations, term by term over each session.
        ("cmd:FETCH and latency>500ms", "1"), ("user:alice and status:!OK", ""), ("(cmd:SELECT or cmd:EXAMINE) and not user:bob", "5 3 1"),
        ("not (anomaly:* or tls:none)", "1"), ("user:alice or client:10.0.0.6", "2 1"), ("cmd:LOGIN status:ok dir:server", "5 2 1"),
        ("not latency>1ms", "6 4"), ("not size>1KB", "6 4 3 2"), ("not body:\"Subject: hello\"", "6 4 3"), ("!cmd:FETCH", "6 4 3"),
        ("not not user:alice", "1"), ("mailbox:INBOX cmd:SELECT", "3 1"), ("user:bob (status:NO or status:BAD)", "2"),
        ("size>1KB or session:1", "5 1"), ("not (user:alice or mailbox:INBOX)", "6 5 4 2"), ("cmd:FETCH not status:*", ""),
        ("tls:both and not cmd:LOGOUT or dir:proxy", "6 5 4 3 2 1"),
    ];

    public static TheoryData<string> Expressions() => new(Expected.Select(e => e.Expression));

    [Theory]
    [MemberData(nameof(Expressions))]
    public void Events_InMemoryAndSqlAgree(string expression)
    {
        var filter = Filter.Parse(expression);
        var context = store.Queries.Context;
        var matched = 0;
        foreach (var (session, events) in store.Sessions)
        {
            var inMemory = events.Where(e => filter.MatchesEvent(session, e, context)).Select(e => e.Sequence).ToList();
            var inSql = store.Queries.Events(session.Id, filter, QueryService.MaxPage).Rows.Select(e => e.Sequence).ToList();
            Assert.Equal(inMemory, inSql);
            matched += inSql.Count;
        }
        Assert.Equal(MatchNothing.Contains(expression), matched == 0);
    }

    [Theory]
    [MemberData(nameof(Expressions))]
    public void EventsAcrossSessions_InMemoryAndSqlAgree(string expression)
    {
        var filter = Filter.Parse(expression);
        var context = store.Queries.Context;
        var inMemory = store.Sessions.SelectMany(s => s.Events.Where(e => filter.MatchesEvent(s.Session, e, context)))
            .OrderByDescending(e => e.SessionId).ThenByDescending(e => e.Sequence)
            .Select(e => (e.SessionId, e.Sequence)).ToList();

        var inSql = store.Queries.AllEvents(filter, QueryService.MaxPage).Rows.Select(e => (e.SessionId, e.Sequence)).ToList();

        Assert.Equal(inMemory, inSql);
    }

    [Theory]
    [MemberData(nameof(Expressions))]
    public void Sessions_AreTheExpectedOnes_InMemoryAndInSql(string expression)
    {
        var filter = Filter.Parse(expression);
        var context = store.Queries.Context;
        var inMemory = store.Sessions.Where(s => filter.MatchesSession(s.Session, s.Events.ToList(), context)).Select(s => s.Session.Id).ToList();

        var inSql = store.Queries.Sessions(filter, 100).Rows.Select(s => s.Id).ToList();

        Assert.Equal(ExpectedSessions(expression), inSql);
        Assert.Equal(inMemory, inSql);
        Assert.Equal(inSql, store.Queries.SessionIds(filter));
    }

    private static List<long> ExpectedSessions(string expression) =>
        Expected.Single(e => e.Expression == expression).Sessions.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToList();

    /// <summary>A live event, before it reaches the store, is judged exactly as its stored row will be.</summary>
    [Theory]
    [MemberData(nameof(Expressions))]
    public void LiveEvents_MatchAsTheirStoredRows(string expression)
    {
        var filter = Filter.Parse(expression);
        var context = store.Queries.Context;
        foreach (var (session, events) in store.Sessions)
        {
            var live = store.Published(session.Id).Where(e => e is not RawBytes).ToList();
            Assert.Equal(events.Count, live.Count);
            for (var i = 0; i < live.Count; i++)
                Assert.Equal(filter.MatchesEvent(session, events[i], context), filter.Matches(session, live[i], context));
        }
    }

    [Fact]
    public void LiveRows_AreTheStoredRows()
    {
        foreach (var (_, events) in store.Sessions)
        {
            var live = store.Published(events[0].SessionId).Where(e => e is not RawBytes).Select(LiveEventRows.From).ToList();
            Assert.Equal(events, live);
        }
    }
}

public sealed class SqliteFilterEquivalenceTests(CapturedStore store) : FilterEquivalenceTests(store), IClassFixture<CapturedStore>;

public sealed class PostgresFilterEquivalenceTests(PostgresCapturedStore store) : FilterEquivalenceTests(store), IClassFixture<PostgresCapturedStore>;
