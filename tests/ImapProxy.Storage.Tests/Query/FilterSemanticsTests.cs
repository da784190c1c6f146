using ImapProxy.Storage.Query;

namespace ImapProxy.Storage.Tests.Query;

/// <summary>
/// What the fields mean, on <see cref="CapturedStore"/> (sessions 1 alice, 2 bob, 3 carol, 4 failed TLS, 5 ÅSA,
/// 6 unreachable). The equivalence tests show both evaluators agree; these show that what they agree on is right.
/// One contract for both engines: <see cref="SqliteFilterSemanticsTests"/> and <see cref="PostgresFilterSemanticsTests"/>.
/// </summary>
public abstract class FilterSemanticsTests(CapturedStore store)
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
    // Findings: Bob's LOGIN crossed the client leg in clear (info, event 2-6); his server said 0 EXISTS, then sent
    // FETCH for message 1 (error, 2-23); it answered his well-formed UID STORE with BAD [CANNOT] where a refusal is
    // NO (warning, 2-28). Åsa's LOGIN crossed the upstream leg in clear (info, 5-6). Carol's plaintext session has no
    // login (PREAUTH); Alice's legs both have TLS.
    [InlineData("finding:*", new long[] { 5, 2 })]
    [InlineData("finding:bad-for-valid-command", new long[] { 2 })]
    [InlineData("finding:!bad-for-valid-command", new long[] { 5, 2 })]
    [InlineData("severity:warning", new long[] { 2 })]
    [InlineData("severity:error", new long[] { 2 })]
    [InlineData("finding:sequence-above-exists", new long[] { 2 })]
    [InlineData("finding:rfc822-size-mismatch", new long[0])]
    [InlineData("client-app:K-9*", new long[] { 3 })]
    [InlineData("app:\"K-9 Mail 6.400 on Android\"", new long[] { 3 })]
    [InlineData("not client-app:*", new long[] { 6, 5, 4, 2, 1 })]
    // The client legs' ClientHellos: alice asked for imap.example.com, åsa for Mail.Test, session 4's TLS 1.0 client
    // dialled an address (no SNI); bob's and carol's client legs were plaintext, session 6's never had one.
    [InlineData("sni:imap.example.com", new long[] { 1 })]
    [InlineData("sni:MAIL.TEST", new long[] { 5 })]
    [InlineData("sni:*.test", new long[] { 5 })]
    [InlineData("not sni:*", new long[] { 6, 4, 3, 2 })]
    [InlineData("ja4:t13d1516h2_8daaf6152771_e5627efa2ab1", new long[] { 1 })]
    [InlineData("ja4:t13d1516h2x8daaf6152771_e5627efa2ab1", new long[0])] // "_" is a character, not LIKE's wildcard
    [InlineData("ja4:t13d*", new long[] { 5, 1 })]
    [InlineData("ja4:*_000000000000", new long[] { 4 })]
    [InlineData("ja4:!t13d*", new long[] { 4 })]
    public void Sessions(string expression, long[] ids) =>
        Assert.Equal(ids, store.Queries.Sessions(Filter.Parse(expression), 100).Rows.Select(s => s.Id));

    [Theory]
    [InlineData("cmd:FETCH session:1", "1-31 1-28 1-19 1-15")]
    [InlineData("cmd:\"UID FETCH\"", "5-26 5-22 1-31 1-28")]
    [InlineData("cmd:*STORE", "2-29 2-26 1-23 1-20")]
    // A pattern matches the name with or without "UID ", as cmd:FETCH does: alice's two UID FETCHes (31, 28) too.
    [InlineData("cmd:FETC* session:1", "1-31 1-28 1-19 1-15")]
    [InlineData("latency>500ms", "3-16 1-31 1-19")]
    [InlineData("latency>1d", "")]
    [InlineData("body:\"Subject: hello\"", "5-16 2-18 1-17")]
    [InlineData("body:binary", "5-16")]
    [InlineData("body:\"long enough to cross several raw rows\"", "5-16")]
    [InlineData("size>1MB", "5-24")]
    [InlineData("before:2026-11-25T10:01:01", "1-15 1-14 1-13 1-12 1-11 1-10 1-9 1-8 1-7 1-6 1-5 1-4 1-3 1-2 1-1")]
    [InlineData("untagged:bye", "5-28 2-34 1-33")]
    // The tagged NO or BAD and its completion: åsa's d4, bob's b6 (a finding between them) and b2.
    [InlineData("status:!ok", "5-21 5-20 2-29 2-27 2-12 2-11")]
    [InlineData("untagged:preauth", "3-2")]
    [InlineData("tag:a3 dir:server", "1-19 1-18")]
    [InlineData("finding:*", "5-6 2-28 2-23 2-6")]
    [InlineData("severity:info", "5-6 2-6")]
    public void Events(string expression, string keys) =>
        Assert.Equal(keys, string.Join(" ", store.Queries.AllEvents(Filter.Parse(expression), 100).Rows.Select(e => $"{e.SessionId}-{e.Sequence}")));

    [Fact]
    public void SessionsByFindings_PutBobsTwoFirst_ThenTheRestNewestFirst()
    {
        var ranked = store.Queries.RankedSessionIds(null, SessionOrder.MostFindings);

        Assert.Equal([(2L, 2L), (6, 0), (5, 0), (4, 0), (3, 0), (1, 0)], ranked);
        Assert.Equal([2L], store.Queries.RankedSessionIds(Filter.Parse("user:bob"), SessionOrder.MostFindings).Select(s => s.Id));
    }

    [Fact]
    public void LiveSession_ShowsFromTheEventThatMatches()
    {
        var filter = Filter.Parse("cmd:IDLE");
        var (carol, events) = store.Sessions.Single(s => s.Session.Id == 3);

        var matching = events.Where(e => filter.MatchesLiveSession(carol, e)).Select(e => e.Sequence);

        Assert.Equal([9L, 16L], matching);
        Assert.False(filter.MatchesLiveSession(carol, null));
        // A change of the row alone has no event to judge: an event field is simply not met.
        Assert.False(Filter.Parse("tag:c2").MatchesLiveSession(carol, null));
        Assert.True(Filter.Parse("not user:* tls:none").MatchesLiveSession(carol, null));
    }

    [Fact]
    public void SessionsById_GivesTheKnownOnes_AndNothingForNoIds()
    {
        Assert.Equal([1L, 3L], store.Queries.SessionsById([3, 99, 1]).Select(s => s.Id).Order());
        Assert.Empty(store.Queries.SessionsById([]));
    }
}

public sealed class SqliteFilterSemanticsTests(CapturedStore store) : FilterSemanticsTests(store), IClassFixture<CapturedStore>;

public sealed class PostgresFilterSemanticsTests(PostgresCapturedStore store) : FilterSemanticsTests(store), IClassFixture<PostgresCapturedStore>;
