using ImapProxy.Storage.Query;
using ImapProxy.Storage.Sqlite;
using ImapProxy.Storage.Tests.Support;

namespace ImapProxy.Storage.Tests.Query;

/// <summary>
/// A first page must not depend on the size of the store: no query sorts (no temp b-tree), and the filters the
/// schema has an index for walk it. Plans depend on the schema only (the store keeps no statistics).
/// </summary>
public sealed class QueryPlanTests : IDisposable
{
    private readonly TempDirectory temp = new();
    private readonly EventStore store;
    private readonly QueryService queries;

    public QueryPlanTests()
    {
        store = new SqliteEventStore(new StorageOptions { DataDirectory = temp.Path });
        queries = new QueryService(store);
    }

    public void Dispose()
    {
        store.Dispose();
        temp.Dispose();
    }

    [Theory]
    [InlineData(null, "sqlite_autoindex_events_1")]
    [InlineData("cmd:FETCH", "events_by_command")]
    [InlineData("cmd:\"UID FETCH\"", "events_by_command")]
    [InlineData("anomaly:*", "events_with_anomalies")]
    [InlineData("anomaly:unescaped-quote", "events_with_anomalies")]
    [InlineData("size>1MB", "events_large")]
    [InlineData("size>=16KiB", "events_large")]
    [InlineData("size>16383", "events_large")]
    [InlineData("size:16KiB", "events_large")]
    [InlineData("session:42", "sqlite_autoindex_events_1")]
    [InlineData("status:NO", "sqlite_autoindex_events_1")]
    [InlineData("user:alice", "sqlite_autoindex_events_1")]
    [InlineData("user:alice cmd:FETCH", "events_by_command")]
    [InlineData("before:2026-11-25", "sqlite_autoindex_events_1")]
    public void AllEvents_WalkAnIndexWithoutSorting(string? filter, string index)
    {
        foreach (var cursor in new EventCursor?[] { null, new EventCursor(100, 5) })
        foreach (var newestFirst in new[] { true, false })
        {
            var plan = queries.Plan(QuerySql.AllEvents(SqlDialect.Sqlite, Filter.ParseOrNull(filter), 51, cursor, newestFirst));

            Assert.DoesNotContain(plan, step => step.Contains("TEMP B-TREE"));
            Assert.Contains(plan, step => step.Contains($"INDEX {index}"));
        }
    }

    [Theory]
    [InlineData("cmd:FETCH", "events_by_command")]
    [InlineData("mailbox:Drafts", "events_by_mailbox")]
    [InlineData("anomaly:bare-lf", "events_with_anomalies")]
    [InlineData("status:NO", "sqlite_autoindex_events_1")]
    public void Sessions_LookUpTheirEventsByIndex(string filter, string index)
    {
        var plan = queries.Plan(QuerySql.Sessions(SqlDialect.Sqlite, Filter.Parse(filter), 51, 100, newestFirst: true));

        Assert.DoesNotContain(plan, step => step.Contains("TEMP B-TREE"));
        Assert.Contains(plan, step => step.Contains($"INDEX {index}"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("user:alice status:!OK")]
    [InlineData("size>1MB or text:hello")]
    public void SessionEvents_FollowThePrimaryKey(string? filter)
    {
        var plan = queries.Plan(QuerySql.Events(SqlDialect.Sqlite, 7, Filter.ParseOrNull(filter), 51, 10, newestFirst: false));

        Assert.DoesNotContain(plan, step => step.Contains("TEMP B-TREE"));
        Assert.Contains(plan, step => step.Contains("sqlite_autoindex_events_1 (session_id=? AND seq>?)"));
    }

    /// <summary>
    /// A text the trigram index has few candidates for reads those rows by rowid and sorts them (at most
    /// TextIndex.MaxCandidates), instead of reading every event's JSON; sessions are those of the rows found.
    /// </summary>
    [Fact]
    public void RareText_ReadsOnlyTheTextIndexCandidates()
    {
        var filter = Filter.Parse("text:\"a rare text\"");
        var textIndex = ((SqliteEventStore)store).TextIndex;
        foreach (var query in new[]
                 {
                     QuerySql.AllEvents(SqlDialect.Sqlite, filter, 51, null, newestFirst: true, textIndex),
                     QuerySql.Sessions(SqlDialect.Sqlite, filter, 51, null, newestFirst: true, textIndex),
                 })
        {
            var plan = queries.Plan(query);

            Assert.Contains(plan, step => step.Contains("SCAN events_text VIRTUAL TABLE"));
            Assert.Contains(plan, step => step.Contains("SEARCH e USING INTEGER PRIMARY KEY (rowid=?)"));
            Assert.DoesNotContain(plan, step => step.StartsWith("SCAN e ") || step.Contains("SCAN e USING"));
        }
    }
}
