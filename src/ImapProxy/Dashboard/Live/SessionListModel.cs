using ImapProxy.Queries;
using ImapProxy.Recording.Events;
using ImapProxy.Storage;
using ImapProxy.Storage.Query;

namespace ImapProxy.Dashboard.Live;

/// <summary>
/// One browser's view of the session list: the ids matching its filter, newest first, and the rows it showed,
/// kept current from live events. The store keeps everything; this view only what this browser looks at.
/// Rows are fetched a window at a time, so 100,000 sessions cost a list of ids.
/// </summary>
public sealed class SessionListModel(IDashboardQueries queries)
{
    private readonly Dictionary<long, SessionRow> rows = [];
    private List<long> ids = [];
    private HashSet<long> shown = [];
    private ILiveMatcher matcher = ILiveMatcher.All;

    // In findings order, the sessions with findings at load come first; sessions that start later go below them.
    private int ranked;

    public int Count => ids.Count;

    /// <summary>This proxy's name: rows of other proxies sharing the store are marked with theirs.</summary>
    public string? Instance => queries.Instance;

    /// <summary>Why the filter was refused, with its position; null when it is fine.</summary>
    public FilterError? Error { get; private set; }

    /// <remarks>The order is the one at load: a live session whose findings grow does not move until the next load.</remarks>
    public void Load(string? filter, SessionOrder order = SessionOrder.Newest)
    {
        rows.Clear();
        var result = queries.SessionIds(filter, order);
        Error = result.Error;
        ids = result.Ids.Select(s => s.Id).ToList();
        ranked = order == SessionOrder.MostFindings ? result.Ids.Count(s => s.Findings > 0) : 0;
        shown = [.. ids];
        matcher = result.Matcher;
    }

    public IReadOnlyList<SessionRow> Slice(int start, int count)
    {
        var window = ids.Skip(start).Take(count).ToList();
        var missing = window.Where(id => !rows.ContainsKey(id)).ToList();
        foreach (var row in queries.Sessions(missing)) rows[row.Id] = row;
        return window.Where(rows.ContainsKey).Select(id => rows[id]).ToList();
    }

    /// <summary>Applies live events; true when something visible changed.</summary>
    public bool Apply(IReadOnlyList<SessionEvent> events)
    {
        var changed = false;
        foreach (var e in events)
        {
            if (e is SessionOpened opened && !rows.ContainsKey(e.SessionId))
            {
                rows[e.SessionId] = LiveSessionRows.Opened(opened, queries.Instance);
                if (Error is null && matcher.Matches(rows[e.SessionId], e)) changed |= Show(e.SessionId);
                continue;
            }
            if (!rows.TryGetValue(e.SessionId, out var row)) continue;
            rows[e.SessionId] = LiveSessionRows.Apply(row, e);
            // Raw bytes move the byte counts only; filters judge events.
            if (e is RawBytes)
            {
                changed |= shown.Contains(e.SessionId);
                continue;
            }
            // A live session may start matching later (user:alice once it logged in, cmd:FETCH once it fetched).
            if (Error is null && !shown.Contains(e.SessionId) && matcher.Matches(rows[e.SessionId], e)) Show(e.SessionId);
            changed = true;
        }
        return changed;
    }

    private bool Show(long id)
    {
        if (!shown.Add(id)) return false;
        // Newest first: a new session goes above every older one (below the ranked ones in findings order).
        var at = ids.FindIndex(ranked, other => other < id);
        ids.Insert(at < 0 ? ids.Count : at, id);
        return true;
    }
}

/// <summary>Decides whether a live session shows under the current filter, given the event that just arrived.</summary>
public interface ILiveMatcher
{
    bool Matches(SessionRow session, SessionEvent e);

    public static ILiveMatcher All { get; } = new Everything();

    private sealed class Everything : ILiveMatcher
    {
        public bool Matches(SessionRow session, SessionEvent e) => true;
    }
}

/// <summary>What the dashboard asks of the store, filtered with the filter language.</summary>
public interface IDashboardQueries
{
    (IReadOnlyList<(long Id, long Findings)> Ids, FilterError? Error, ILiveMatcher Matcher) SessionIds(string? filter, SessionOrder order);

    IReadOnlyList<SessionRow> Sessions(IReadOnlyList<long> ids);

    /// <summary>All events of one session that match the filter, in order.</summary>
    (IReadOnlyList<EventRow> Events, FilterError? Error, IEventMatcher Matcher) Events(long sessionId, string? filter);

    /// <summary>The filter language's help, generated from its field registry.</summary>
    string FilterHelp { get; }

    /// <summary>This proxy's name (<c>--instance</c>): its live sessions carry it before the store has written them.</summary>
    string? Instance { get; }
}
