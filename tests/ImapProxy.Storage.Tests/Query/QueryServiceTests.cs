using ImapProxy.Storage.Query;
using ImapProxy.Storage.Tests.Support;

namespace ImapProxy.Storage.Tests.Query;

/// <summary>Keyset paging: every row exactly once, in order, in both directions, filtered or not.</summary>
public sealed class QueryServiceTests : IAsyncLifetime
{
    private const int SessionCount = 30;
    private const int EventsPerSession = 20;
    private readonly StoreHarness harness = new();
    private QueryService queries = null!;

    public async Task InitializeAsync()
    {
        await harness.StartAsync();
        Publish(SessionCount);
        await harness.IdleAsync();
        queries = new QueryService(harness.Store);
    }

    public async Task DisposeAsync() => await harness.DisposeAsync();

    public static TheoryData<string?, int, bool> Pagings()
    {
        var data = new TheoryData<string?, int, bool>();
        foreach (var filter in new[] { null, "session>7", "text:\"event 1\"", "session<20 text:\"event 1\"", "session:3|9|27" })
        foreach (var size in new[] { 1, 7, 50 })
        foreach (var newestFirst in new[] { true, false })
            data.Add(filter, size, newestFirst);
        return data;
    }

    [Theory]
    [MemberData(nameof(Pagings))]
    public void Sessions_EveryRowOnceInOrder(string? text, int size, bool newestFirst)
    {
        var filter = Filter.ParseOrNull(text);
        var expected = queries.Sessions(filter, QueryService.MaxPage, newestFirst: newestFirst).Rows.Select(s => s.Id).ToList();

        var paged = Pages(cursor => queries.Sessions(filter, size, cursor, newestFirst) is var p ? (p.Rows.Select(s => s.Id), p.Next) : default);

        Assert.Equal(expected, paged);
        Assert.Equal(newestFirst ? expected.OrderDescending() : expected.Order(), expected);
        Assert.NotEmpty(expected);
    }

    [Theory]
    [MemberData(nameof(Pagings))]
    public void SessionEvents_EveryRowOnceInOrder(string? text, int size, bool newestFirst)
    {
        var filter = Filter.ParseOrNull(text);
        foreach (var session in new long[] { 3, 9, 27 })
        {
            var expected = queries.Events(session, filter, QueryService.MaxPage, newestFirst: newestFirst).Rows.Select(e => e.Sequence).ToList();

            var paged = Pages(cursor => queries.Events(session, filter, size, cursor, newestFirst) is var p ? (p.Rows.Select(e => e.Sequence), p.Next) : default);

            Assert.Equal(expected, paged);
            Assert.Equal(newestFirst ? expected.OrderDescending() : expected.Order(), expected);
        }
    }

    [Theory]
    [MemberData(nameof(Pagings))]
    public void AllEvents_EveryRowOnceInOrder(string? text, int size, bool newestFirst)
    {
        var filter = Filter.ParseOrNull(text);
        var expected = Enumerable.Range(1, SessionCount)
            .SelectMany(s => queries.Events(s, filter, QueryService.MaxPage).Rows)
            .Select(e => (e.SessionId, e.Sequence)).ToList();
        if (newestFirst) expected.Reverse();

        var paged = new List<(long, long)>();
        EventCursor? cursor = null;
        do
        {
            var page = queries.AllEvents(filter, size, cursor, newestFirst);
            Assert.True(page.Rows.Count <= size);
            paged.AddRange(page.Rows.Select(e => (e.SessionId, e.Sequence)));
            cursor = page.Next;
        }
        while (cursor is not null);

        Assert.Equal(expected, paged);
        Assert.NotEmpty(expected);
    }

    [Fact]
    public async Task RowsAddedMeanwhile_NeitherRepeatNorShiftThePages()
    {
        var first = queries.Sessions(null, 10);
        var firstEvents = queries.AllEvents(null, 10);

        Publish(5);
        await harness.IdleAsync();
        var second = queries.Sessions(null, 10, first.Next);
        var secondEvents = queries.AllEvents(null, 10, firstEvents.Next);

        Assert.Equal(Enumerable.Range(11, 10).Reverse().Select(i => (long)i), second.Rows.Select(s => s.Id));
        Assert.Equal((SessionCount, EventsPerSession - 10L), (secondEvents.Rows[0].SessionId, secondEvents.Rows[0].Sequence));
        Assert.Equal(SessionCount + 5, queries.Sessions(null, 1).Rows[0].Id);
    }

    [Fact]
    public void LastPage_HasNoCursor()
    {
        Assert.Null(queries.Sessions(null, SessionCount).Next);
        Assert.NotNull(queries.Sessions(null, SessionCount - 1).Next);
        Assert.Null(queries.Events(1, null, EventsPerSession).Next);
        Assert.Null(queries.AllEvents(Filter.Parse("session:1"), EventsPerSession).Next);
        Assert.Empty(queries.AllEvents(Filter.Parse("session:999"), 10).Rows);
    }

    [Fact]
    public void Limits_AreClamped()
    {
        Assert.Single(queries.Sessions(null, 0).Rows);
        Assert.Single(queries.AllEvents(null, -5).Rows);
        Assert.Equal(SessionCount * EventsPerSession, queries.AllEvents(null, int.MaxValue).Rows.Count);
    }

    [Fact]
    public void SessionsById_LeavesOutUnknownIds()
    {
        Assert.Equal([3L, 5L], queries.SessionsById([5, 3, 999]).Select(s => s.Id).Order());
        Assert.Empty(queries.SessionsById([]));
    }

    [Theory]
    [InlineData(42, 17, "42-17")]
    [InlineData(1, 0, "1-0")]
    [InlineData(long.MaxValue, long.MaxValue, "9223372036854775807-9223372036854775807")]
    public void EventCursor_RoundTripsAsText(long session, long sequence, string text)
    {
        Assert.Equal(text, new EventCursor(session, sequence).ToString());
        Assert.True(EventCursor.TryParse(text, out var parsed));
        Assert.Equal(new EventCursor(session, sequence), parsed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("42")]
    [InlineData("42-")]
    [InlineData("-17")]
    [InlineData("4a-17")]
    [InlineData("42-17-3")]
    [InlineData("+42-17")]
    [InlineData("99999999999999999999-1")]
    public void EventCursor_RefusesOtherText(string? text) => Assert.False(EventCursor.TryParse(text, out _));

    private void Publish(int sessions)
    {
        for (var i = 0; i < sessions; i++)
        {
            var id = harness.Store.NextSessionId();
            foreach (var e in Synthetic.Session(id, EventsPerSession)) Assert.True(harness.Bus.Publish(e));
        }
    }

    private static List<long> Pages(Func<long?, (IEnumerable<long> Rows, long? Next)> page)
    {
        var all = new List<long>();
        long? cursor = null;
        do
        {
            var (rows, next) = page(cursor);
            all.AddRange(rows);
            cursor = next;
        }
        while (cursor is not null);
        return all;
    }
}
