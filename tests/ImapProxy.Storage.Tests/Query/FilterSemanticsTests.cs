using ImapProxy.Storage.Query;

namespace ImapProxy.Storage.Tests.Query;

/// <summary>
/// What the fields mean, on <see cref="CapturedStore"/> (sessions 1 alice, 2 bob, 3 carol, 4 failed TLS, 5 ÅSA,
/// 6 unreachable). The equivalence tests show both evaluators agree; these show that what they agree on is right.
/// </summary>
public sealed class FilterSemanticsTests(CapturedStore store) : IClassFixture<CapturedStore>
{
    [Theory]
    [InlineData("cmd:FETCH", new long[] { 5, 2, 1 })]
    [InlineData("client:10.0.0.5", new long[] { 1 })]
    [InlineData("client:[::1]", new long[] { 3 })]
    [InlineData("user:AL*", new long[] { 1 })]
    [InlineData("user:ÅSA", new long[] { 5 })]
    [InlineData("user:åsa", new long[0])]
    [InlineData("not user:*", new long[] { 6, 4, 3 })]
    // status: is the tagged completion: bob's NO and BAD, åsa's BAD. Before, every LOGOUT's "* BYE", carol's
    // "* PREAUTH" greeting and session 4's failed TLS handshake made it match all but one session.
    [InlineData("status:!OK", new long[] { 5, 2 })]
    [InlineData("status:no", new long[] { 2 })]
    [InlineData("not status:OK", new long[] { 6, 4 })]
    [InlineData("untagged:BYE", new long[] { 5, 2, 1 })]
    [InlineData("untagged:!OK", new long[] { 5, 3, 2, 1 })]
    [InlineData("untagged:preauth", new long[] { 3 })]
    [InlineData("untagged:ok", new long[] { 5, 2, 1 })]
    [InlineData("not untagged:*", new long[] { 6, 4 })]
    [InlineData("not cmd:IDLE", new long[] { 6, 5, 4, 2, 1 })]
    [InlineData("cmd:FETCH status:BAD", new long[] { 5, 2 })]
    [InlineData("anomaly:*", new long[] { 5, 2 })]
    [InlineData("anomaly:unescaped-quote", new long[] { 2 })]
    [InlineData("tls:none", new long[] { 6, 4, 3 })]
    [InlineData("tls:failed", new long[] { 4 })]
    [InlineData("tls:both", new long[] { 1 })]
    [InlineData("tls:client", new long[] { 5, 1 })]
    [InlineData("tls:upstream", new long[] { 2, 1 })]
    [InlineData("mailbox:INBOX", new long[] { 3, 1 })]
    [InlineData("mailbox:Sent", new long[] { 1 })]
    [InlineData("mailbox:Entwürfe", new long[] { 5, 2 })]
    [InlineData("size>1MB", new long[] { 5 })]
    [InlineData("size:0", new long[] { 6, 4 })]
    [InlineData("after:2026-11-25T10:03", new long[] { 6, 5, 4, 3 })]
    [InlineData("body:\"Subject: hello\"", new long[] { 5, 2, 1 })]
    [InlineData("body:\"Subject: later\"", new long[0])]
    [InlineData("dir:proxy tls:none", new long[] { 6, 4, 3 })]
    public void Sessions(string expression, long[] ids) =>
        Assert.Equal(ids, store.Queries.Sessions(Filter.Parse(expression), 100).Rows.Select(s => s.Id));

    [Theory]
    [InlineData("cmd:FETCH session:1", "1-31 1-28 1-19 1-15")]
    [InlineData("cmd:\"UID FETCH\"", "5-25 5-21 1-31 1-28")]
    [InlineData("cmd:*STORE", "2-26 2-24 1-23 1-20")]
    [InlineData("latency>500ms", "3-16 1-31 1-19")]
    [InlineData("latency>1d", "")]
    [InlineData("body:\"Subject: hello\"", "5-15 2-17 1-17")]
    [InlineData("body:binary", "5-15")]
    [InlineData("body:\"long enough to cross several raw rows\"", "5-15")]
    [InlineData("size>1MB", "5-23")]
    [InlineData("before:2026-11-25T10:01:01", "1-15 1-14 1-13 1-12 1-11 1-10 1-9 1-8 1-7 1-6 1-5 1-4 1-3 1-2 1-1")]
    [InlineData("untagged:bye", "5-27 2-31 1-33")]
    // The tagged NO or BAD and its completion: åsa's d4, bob's b6 and b2.
    [InlineData("status:!ok", "5-20 5-19 2-26 2-25 2-11 2-10")]
    [InlineData("untagged:preauth", "3-2")]
    [InlineData("tag:a3 dir:server", "1-19 1-18")]
    public void Events(string expression, string keys) =>
        Assert.Equal(keys, string.Join(" ", store.Queries.AllEvents(Filter.Parse(expression), 100).Rows.Select(e => $"{e.SessionId}-{e.Sequence}")));

    [Fact]
    public void LiveSession_ShowsFromTheEventThatMatches()
    {
        var filter = Filter.Parse("cmd:IDLE");
        var (carol, events) = store.Sessions.Single(s => s.Session.Id == 3);

        var matching = events.Where(e => filter.MatchesLiveSession(carol, e)).Select(e => e.Sequence);

        Assert.Equal([9L, 16L], matching);
        Assert.False(filter.MatchesLiveSession(carol, null));
        Assert.True(Filter.Parse("not user:* tls:none").MatchesLiveSession(carol, null));
    }
}
