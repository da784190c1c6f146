using ImapProxy.Recording.Events;
using ImapProxy.Storage.Query;
using ImapProxy.Storage.Sqlite;
using ImapProxy.Storage.Tests.Support;

namespace ImapProxy.Storage.Tests.Sqlite;

/// <summary>
/// text: through the trigram index (schema version 7) finds what the scan finds, whatever part of the store the
/// writer has indexed yet: none (a migrated file), some, or all; and the index follows rows deleted and rowids
/// taken again.
/// </summary>
public sealed class TextIndexTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    // Worked out by hand from the two sessions below (1 alice, 2 bob), newest first. Short texts are scanned, long
    // ones go through the index; LIKE's wildcards, a quote and non-ASCII letters are characters of the text.
    private static readonly (string Expression, string Sessions)[] Expected =
    [
        ("text:BODYSTRUCTURE", "1"), ("text:bodystructure", "1"), ("text:\"100%_done\"", "2"), ("text:\"100%_\"", "2"),
        ("text:\"Re: the\"", "2"), ("text:Entwürfe", "2"), ("text:ENTWüRFE", "2"), ("text:ENTWÜRFE", ""), ("text:inbox", "1"),
        ("text:\"a \\\"quote\"", ""), ("text:zz", ""), ("text:ok", "2 1"), ("text:\"no such mailbox\"", "2"),
        ("text:BODYSTRUCTURE|Archive", "2 1"), ("text:!BODYSTRUCTURE", "2 1"), ("not text:BODYSTRUCTURE", "2"),
        ("text:BODYSTRUCTURE user:bob", ""), ("text:\"nothing like this\"", ""),
    ];

    private StoreHarness harness = null!;
    private QueryService queries = null!;

    public async Task InitializeAsync()
    {
        harness = new StoreHarness();
        Alice(harness.Store.NextSessionId());
        Bob(harness.Store.NextSessionId());
        await harness.StartAsync();
        await harness.IdleAsync();
        // From here the test decides what is indexed: the writer would go on indexing once quiet.
        await harness.StopAsync();
        queries = new QueryService(harness.Store);
    }

    public async Task DisposeAsync() => await harness.DisposeAsync();

    [Fact]
    public void Text_FindsWhatTheScanFinds_WithNoneSomeOrAllOfTheStoreIndexed()
    {
        var total = Scalar("SELECT count(*) FROM events");
        var sessions = queries.Sessions(null, 100).Rows.ToDictionary(s => s.Id);
        var events = queries.AllEvents(null, QueryService.MaxPage).Rows;
        foreach (var indexed in new[] { 0, total / 2, total })
        {
            Reindex((int)indexed);
            Assert.Equal(total - indexed, Scalar("SELECT count(*) FROM events WHERE rowid > (SELECT up_to FROM events_text_indexed)"));
            foreach (var (expression, expected) in Expected)
            {
                var filter = Filter.Parse(expression);
                Assert.True(expected == Ids(queries.Sessions(filter, 100).Rows.Select(s => s.Id)), $"{expression}, {indexed} of {total} rows indexed");
                // The in-memory evaluator is the reference for events.
                Assert.Equal(
                    events.Where(e => filter.MatchesEvent(sessions[e.SessionId], e)).Select(e => (e.SessionId, e.Sequence)),
                    queries.AllEvents(filter, QueryService.MaxPage).Rows.Select(e => (e.SessionId, e.Sequence)));
            }
        }
    }

    [Fact]
    public void DeletedRowsLeaveTheIndex_AndARowidTakenAgainIsIndexedAtOnce()
    {
        Reindex((int)Scalar("SELECT count(*) FROM events"));
        var bob = Scalar("SELECT max(id) FROM sessions");

        // Retention deletes a session; its events cascade and leave the index with it.
        Execute($"DELETE FROM sessions WHERE id = {bob}");
        Assert.Equal(Scalar("SELECT count(*) FROM events"), Scalar("SELECT count(*) FROM events_text"));
        Assert.Equal("", Ids(queries.Sessions(Filter.Parse("text:\"no such mailbox\""), 100).Rows.Select(s => s.Id)));

        // Bob's rows had the highest rowids: the next row takes one of them again, below the indexed mark.
        var alice = Scalar("SELECT min(id) FROM sessions");
        Execute($$"""
            INSERT INTO events (session_id, seq, time, elapsed_us, source, type, json)
            VALUES ({{alice}}, 1000, '2026-11-25T10:01:00.0000000Z', 0, 'proxy', 'proxy-action', '{"type":"proxy-action","note":"Zanzibar"}')
            """);
        Assert.True(Scalar("SELECT max(rowid) FROM events") <= Scalar("SELECT up_to FROM events_text_indexed"));
        Assert.Equal(1, Scalar("SELECT count(*) FROM events_text WHERE events_text MATCH '\"zan\" AND \"bar\"'"));
        Assert.Equal([(alice, 1000L)], queries.AllEvents(Filter.Parse("text:zanzibar"), 10).Rows.Select(e => (e.SessionId, e.Sequence)));
    }

    [Theory]
    [InlineData("ab", null)]
    [InlineData("abc", "\"abc\"")]
    [InlineData("BODYSTRUCTURE", "\"BOD\" AND \"YST\" AND \"RUC\" AND \"TUR\" AND \"URE\"")]
    [InlineData("a\"bc", "\"a\"\"b\" AND \"\"\"bc\"")]
    [InlineData("ÅSA", "\"ÅSA\"")]
    [InlineData("a\0bc", null)]
    public void Query_IsTrigramsThatCoverEveryCharacter(string text, string? query) => Assert.Equal(query, TextIndex.Query(text));

    /// <summary>Empties the index, then indexes the first <paramref name="rows"/> rows as the writer would.</summary>
    private void Reindex(int rows)
    {
        Execute("INSERT INTO events_text (events_text) VALUES ('delete-all'); UPDATE events_text_indexed SET up_to = 0");
        using var connection = harness.Store.OpenWriterConnection();
        if (rows > 0) TextIndex.IndexSome(connection, rows);
    }

    private void Alice(long id) =>
        new Conversation(harness.Bus, id, Start.AddMinutes(id)).Open("10.0.0.5:4000", "imap.example.com:993")
            .Server("* OK ready\r\n")
            .Client("a1 LOGIN alice secret\r\n").Server("a1 OK logged in\r\n")
            .Client("a2 SELECT INBOX\r\n").Server("* 3 EXISTS\r\na2 OK [READ-WRITE] done\r\n")
            .Client("a3 FETCH 1 (BODYSTRUCTURE)\r\n").Server("* 1 FETCH (BODYSTRUCTURE (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 12 1))\r\na3 OK done\r\n")
            .Close();

    private void Bob(long id) =>
        new Conversation(harness.Bus, id, Start.AddMinutes(id)).Open("10.0.0.6:4001", "imap.example.com:993")
            .Server("* OK ready\r\n")
            .Client("b1 LOGIN bob pw\r\n").Server("b1 OK hi\r\n")
            .Client("b2 EXAMINE Archive\r\n").Server("b2 NO [NONEXISTENT] no such mailbox\r\n")
            .Client("b3 SELECT \"100%_done\"\r\n").Server("* 0 EXISTS\r\nb3 OK [READ-WRITE] selected\r\n")
            .Client("b4 FETCH 1 (ENVELOPE)\r\n")
            .Server("* 1 FETCH (ENVELOPE (\"date\" \"Re: the plan\" NIL NIL NIL NIL NIL NIL NIL NIL))\r\nb4 OK done\r\n")
            .Client("b5 CREATE \"Entwürfe\"\r\n").Server("b5 OK created\r\n")
            .Close(CloseReason.ServerClosed);

    private static string Ids(IEnumerable<long> ids) => string.Join(" ", ids);

    private long Scalar(string sql)
    {
        using var connection = harness.Store.OpenConnection();
        using var command = EventStore.Command(connection, sql);
        return (long)command.ExecuteScalar()!;
    }

    private void Execute(string sql)
    {
        using var connection = harness.Store.OpenConnection();
        using var command = EventStore.Command(connection, sql);
        command.ExecuteNonQuery();
    }
}
