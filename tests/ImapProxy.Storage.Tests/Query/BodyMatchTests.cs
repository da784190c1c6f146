using ImapProxy.Storage.Query;
using ImapProxy.Storage.Tests.Support;

namespace ImapProxy.Storage.Tests.Query;

/// <summary>
/// body: at the edges: raw rows of 8 bytes, so the server stream is stored as [0,8) [8,16) ... and every needle's
/// rows are known. Server frames: the FETCH [0,53) with its literal at [24,50), "a1 OK done" [53,65),
/// "* 2 EXISTS" [65,77).
/// </summary>
public sealed class BodyMatchTests : IAsyncLifetime
{
    private readonly StoreHarness harness = new(o => o with { RawRowBytes = 8, MaxBatchEvents = 10_000 });
    private QueryService queries = null!;
    private List<EventRow> events = [];
    private SessionRow session = null!;

    public async Task InitializeAsync()
    {
        // Published before the writer starts, so one batch holds it all and rows split only every 8 bytes.
        var conversation = new Conversation(harness.Bus, harness.Store.NextSessionId(), CapturedStore.Start) { ReadSize = 5 };
        conversation.Open("10.0.0.1:1000", "imap.example.com:993")
            .Client("a1 FETCH 1 BODY[]\r\n")
            .Server("* 1 FETCH (BODY[] {26}\r\nSubject: hello\r\n\r\nHi Bob\r\n)\r\na1 OK done\r\n* 2 EXISTS\r\n")
            .Close();
        await harness.StartAsync();
        await harness.IdleAsync();
        queries = new QueryService(harness.Store);
        session = queries.Sessions(null, 1).Rows[0];
        events = queries.Events(session.Id, null, 100).Rows.ToList();
    }

    public async Task DisposeAsync() => await harness.DisposeAsync();

    [Theory]
    [InlineData("Subject", "fetch")]                        // inside one row
    [InlineData("Subject: hello", "fetch")]                 // [24,38): across one row boundary
    [InlineData("hello\r\n\r\nHi", "fetch")]                // [33,44): across one row boundary
    [InlineData("BODY[] {26}\r\nSubject", "")]              // [11,31): three rows, missed (documented)
    [InlineData("done", "ok")]                              // the row [56,64) also holds the FETCH's end: only the OK frame matches
    [InlineData(")\r\na1", "")]                             // across two frames: in neither
    [InlineData("EXISTS", "exists")]                        // [69,75): across a row boundary, up to the stream's end
    [InlineData("* 2 EXISTS\r\n", "exists")]                // [65,77): the whole frame, exactly as long as its window
    [InlineData("FETCH", "command fetch")]                  // both directions
    [InlineData("subject", "")]                             // case-sensitive
    public void Needle_MatchesTheFramesHoldingIt(string needle, string frames)
    {
        var filter = Filter.Parse($"body:\"{needle.Replace("\\", "\\\\").Replace("\"", "\\\"")}\"");

        var inSql = queries.Events(session.Id, filter, 100).Rows.Select(Name).ToList();
        var inMemory = events.Where(e => filter.MatchesEvent(session, e, queries.Context)).Select(Name).ToList();

        Assert.Equal(frames, string.Join(" ", inSql));
        Assert.Equal(inSql, inMemory);
    }

    [Fact]
    public void RawRows_AreAsTheTestSays()
    {
        var rows = harness.Store.GetRawRows(session.Id, Protocol.Direction.Server, 0, 1000);

        Assert.Equal(Enumerable.Range(0, 10).Select(i => i * 8L), rows.Select(r => r.Offset));
        Assert.Equal(77, rows[^1].End);
    }

    [Fact]
    public void WithoutTheStore_BodyMatchesNothingInMemory()
    {
        var filter = Filter.Parse("body:Subject");

        Assert.DoesNotContain(events, e => filter.MatchesEvent(session, e));
        Assert.Contains(events, e => filter.MatchesEvent(session, e, queries.Context));
    }

    private static string Name(EventRow e) => e switch
    {
        { Kind: "command" } => "command",
        { Kind: "response", Name: "FETCH" } => "fetch",
        { Kind: "response", Name: "OK" } => "ok",
        { Kind: "response", Name: "EXISTS" } => "exists",
        _ => $"{e.Type}/{e.Kind}/{e.Name}",
    };
}
