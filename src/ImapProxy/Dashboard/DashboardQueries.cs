using ImapProxy.Dashboard.Live;
using ImapProxy.Storage;
using ImapProxy.Storage.Sqlite;

namespace ImapProxy.Dashboard;

/// <summary>The store as the dashboard reads it.</summary>
internal sealed class DashboardQueries(SqliteEventStore store) : IDashboardQueries
{
    private const int MaxSessions = 1_000_000;

    public string FilterHelp => "Filters are not available yet.";

    public (IReadOnlyList<long> Ids, FilterError? Error, ILiveMatcher Matcher) SessionIds(string? filter)
    {
        if (!string.IsNullOrWhiteSpace(filter)) return ([], new FilterError(0, filter.Length, "filters are not available yet"), ILiveMatcher.All);
        var ids = new List<long>();
        long? before = null;
        while (ids.Count < MaxSessions)
        {
            var page = store.GetSessions(5000, before);
            if (page.Count == 0) break;
            ids.AddRange(page.Select(s => s.Id));
            before = page[^1].Id;
        }
        return (ids, null, ILiveMatcher.All);
    }

    public IReadOnlyList<SessionRow> Sessions(IReadOnlyList<long> ids) =>
        ids.Select(store.GetSession).OfType<SessionRow>().ToList();

    public (IReadOnlyList<EventRow> Events, FilterError? Error, IEventMatcher Matcher) Events(long sessionId, string? filter)
    {
        if (!string.IsNullOrWhiteSpace(filter)) return ([], new FilterError(0, filter.Length, "filters are not available yet"), IEventMatcher.All);
        var events = new List<EventRow>();
        long after = 0;
        while (true)
        {
            var page = store.GetEvents(sessionId, after, 10_000);
            if (page.Count == 0) break;
            events.AddRange(page);
            after = page[^1].Sequence;
        }
        return (events, null, IEventMatcher.All);
    }
}
