using ImapProxy.Queries;
using ImapProxy.Recording.Events;
using ImapProxy.Dashboard.Timeline;
using ImapProxy.Storage;

namespace ImapProxy.Dashboard.Live;

/// <summary>One browser's view of one session: its events (those matching the filter) grouped into a conversation,
/// following the session live while it is open.</summary>
public sealed class SessionEventsModel(IDashboardQueries queries)
{
    private TimelineBuilder builder = new();
    private IEventMatcher matcher = IEventMatcher.All;

    public System.Collections.ObjectModel.ReadOnlyCollection<TimelineItem> Items => builder.Items;

    public FilterError? Error { get; private set; }

    public void Load(long sessionId, string? filter)
    {
        builder = new TimelineBuilder();
        var result = queries.Events(sessionId, filter);
        Error = result.Error;
        matcher = result.Matcher;
        builder.AddRange(result.Events);
    }

    public void Apply(IReadOnlyList<SessionEvent> events)
    {
        foreach (var e in events)
        {
            if (e is RawBytes || Error is not null) continue;
            var row = LiveEventRows.From(e);
            if (matcher.Matches(row)) builder.Add(row);
        }
    }
}

/// <summary>Decides whether a live event shows under the session page's filter.</summary>
public interface IEventMatcher
{
    bool Matches(EventRow e);

    public static IEventMatcher All { get; } = new Everything();

    private sealed class Everything : IEventMatcher
    {
        public bool Matches(EventRow e) => true;
    }
}
