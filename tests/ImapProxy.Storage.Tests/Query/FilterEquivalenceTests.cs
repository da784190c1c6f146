using ImapProxy.Recording.Events;
using ImapProxy.Storage.Query;

namespace ImapProxy.Storage.Tests.Query;

/// <summary>
/// The in-memory evaluator and the SQL translation must give the same answers: every expression below is
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
        "client-app:*imaplib*|curl*",
        // No event is both tagged and untagged, and alice's commands all completed OK.
        "untagged:bye status:!ok", "user:alice and status:!OK",
    ];

    public static TheoryData<string> Expressions() => new(
        // cmd
        "cmd:FETCH", "cmd:fetch", "cmd:\"UID FETCH\"", "cmd:FETCH|STORE", "cmd:!FETCH", "cmd:*STORE", "cmd:\"UID *\"", "command:select",
        // status
        "status:NO", "status:!OK", "status:no|bad", "status:*", "status!=ok", "not status:OK",
        // untagged
        "untagged:BYE", "untagged:!OK", "untagged:preauth", "untagged:ok|bye", "untagged:*", "not untagged:bye", "untagged:bye status:!ok",
        // user, client, server
        "user:alice", "user:AL*", "user:!alice", "not user:alice", "user:*", "not user:*", "user:åsa", "user:ÅSA", "user:\"ali*\"",
        "client:10.0.0.5", "client:10.0.0.*", "client:[::1]", "client:::1", "client:10.0.0.5:4000", "client:!10.0.0.5",
        "server:imap.example.com", "server:*.example.*", "server:other.example.org:143", "server:!imap.example.com",
        // mailbox, tag
        "mailbox:INBOX", "mailbox:inbox", "mailbox:Drafts", "mailbox:\"100%_done\"", "mailbox:100*", "mailbox:1_0*", "mailbox:Entwürfe",
        "mailbox:ENTWüRFE", "mailbox:ENTWÜRFE", "mailbox:!INBOX", "mailbox:Sent|Trash",
        "tag:a3", "tag:A3", "tag:a*", "tag:!a1",
        // latency, size
        "latency>500ms", "latency>=2s", "latency<=100ms", "latency<1", "latency>1.5s", "latency:10ms", "latency!=10ms", "latency>100us",
        "latency>0.5m", "latency>20s|0.62s",
        "size>1KB", "size>1MB", "size<100", "size>=1KiB", "size:12", "size>0.5KB", "size:0", "size!=0",
        "size>=16KiB", "size>16383", "size>1MB|2MB", "size>=1MB and not dir:client", "size:1100056",
        // dir, text
        "dir:client", "dir:proxy", "dir:client|server", "dir:!server", "direction:server",
        "text:BODYSTRUCTURE", "BODYSTRUCTURE", "bodystructure", "text:\"inbox\"", "\"Re: the\"", "text:!FETCH", "foo|BYE", "Entwürfe", "text:\"100%_\"", "text:1_0", "text:\"\\\\Seen\"",
        // body
        "body:\"Subject: hello\"", "body:\"subject: hello\"", "body:nothing-like-this", "body:\"Subject: later\"", "body:!Subject",
        "body:\"long enough to cross several raw rows\"", "body:binary", "body:x|hi", "body:\"\\\\Seen\"",
        // anomaly, tls, session
        "anomaly:*", "anomaly:lowercase-keyword", "anomaly:unescaped-quote|quoted-8bit", "rule:bare-lf", "anomaly:!lowercase-keyword",
        "anomaly:literal-plus-not-announced",
        "client-app:*", "app:MailKit*", "not client-app:*", "client-app:*imaplib*|curl*",
        "finding:*", "finding:bad-for-valid-command|sequence-above-exists", "finding:!plaintext-login", "findings:PLAINTEXT-LOGIN",
        "severity:info|warning", "severity:!info", "not finding:*", "finding:* user:bob", "severity:error or anomaly:*",
        "tls:none", "tls:client", "tls:upstream", "tls:both", "tls:failed", "tls:!none", "tls:client|upstream",
        "altered:yes", "altered:no", "altered:!yes", "altered:yes|no", "altered:no cmd:FETCH",
        "session:2", "session>=3", "session<2", "id:1|3", "session!=2",
        // after, before
        "after:2026-11-25T10:03", "before:2026-11-25T10:03", "after:2026-11-25", "before:2026-11-24", "after:2026-11-25T10:02:00.5Z",
        "before:2026-11-25T11:03+01:00", "after:2026-11-25T10:01:02.5",
        // combinations
        "cmd:FETCH and latency>500ms", "user:alice and status:!OK", "(cmd:SELECT or cmd:EXAMINE) and not user:bob",
        "not (anomaly:* or tls:none)", "user:alice or client:10.0.0.6", "cmd:LOGIN status:ok dir:server", "not latency>1ms",
        "not size>1KB", "not body:\"Subject: hello\"", "!cmd:FETCH", "not not user:alice", "mailbox:INBOX cmd:SELECT",
        "user:bob (status:NO or status:BAD)", "size>1KB or session:1", "not (user:alice or mailbox:INBOX)", "cmd:FETCH not status:*",
        "tls:both and not cmd:LOGOUT or dir:proxy");

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
    public void Sessions_InMemoryAndSqlAgree(string expression)
    {
        var filter = Filter.Parse(expression);
        var context = store.Queries.Context;
        var inMemory = store.Sessions.Where(s => filter.MatchesSession(s.Session, s.Events.ToList(), context)).Select(s => s.Session.Id).ToList();

        var inSql = store.Queries.Sessions(filter, 100).Rows.Select(s => s.Id).ToList();

        Assert.Equal(inMemory, inSql);
        Assert.Equal(inSql, store.Queries.SessionIds(filter));
    }

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
