using ImapProxy.Recording.Events;

namespace ImapProxy.Storage.Writing;

/// <summary>
/// What batches the database refused (a full disk) took with them, per session, until a later batch can say so
/// in the sessions' rows: the capture is incomplete by that many events, and a close that was lost still ends
/// its session. Bounded: beyond <see cref="MaxSessions"/> sessions the oldest marks are let go (and counted).
/// </summary>
internal sealed class LostEvents
{
    public const int MaxSessions = 100_000;

    private readonly Dictionary<long, Mark> marks = [];

    public sealed record Mark(long SessionId, DateTimeOffset FirstTime, long Events, SessionClosed? Closed);

    public bool IsEmpty => marks.Count == 0;

    public IReadOnlyCollection<Mark> Marks => marks.Values;

    /// <summary>Events whose sessions could not be marked because too many were.</summary>
    public long Overflowed { get; private set; }

    public void Add(IEnumerable<SessionEvent> batch)
    {
        foreach (var e in batch)
        {
            var lost = 1 + (e is CaptureIncomplete notice ? notice.DroppedEvents : 0);
            if (marks.Count >= MaxSessions && !marks.ContainsKey(e.SessionId) && e is not SessionClosed)
            {
                Overflowed += lost;
                continue;
            }
            var mark = marks.GetValueOrDefault(e.SessionId) ?? new Mark(e.SessionId, e.Time, 0, null);
            marks[e.SessionId] = mark with { Events = mark.Events + lost, Closed = e as SessionClosed ?? mark.Closed };
        }
    }

    public void Clear() => marks.Clear();
}
