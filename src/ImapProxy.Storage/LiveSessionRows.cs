using ImapProxy.Recording.Events;
using ImapProxy.Storage.Sqlite;

namespace ImapProxy.Storage;

/// <summary>
/// Session rows kept up to date from live events, with the writer's own summary logic, so a live view shows
/// what the store will hold once the events are written.
/// </summary>
public static class LiveSessionRows
{
    public static SessionRow Opened(SessionOpened o) => new(
        o.SessionId, o.Time, null, o.ClientAddress, o.ListenerAddress, StoredText.Of(o.Listener), o.Upstream, StoredText.Of(o.UpstreamTls),
        StoredText.Of(o.ClientTls), o.UpstreamInsecure, null, null, null, null, null, null, null, null, null, 1, 0, 0, 0, 0, false);

    /// <summary>The row after one more event of its session (raw bytes change nothing).</summary>
    public static SessionRow Apply(SessionRow row, SessionEvent e)
    {
        if (e is RawBytes) return row;
        var summary = new SessionSummary(row.Id);
        summary.Add(e);
        return summary.ApplyTo(row);
    }
}

/// <summary>Event rows made from live events with the store's own columns and JSON, so live and stored look alike.</summary>
public static class LiveEventRows
{
    public static EventRow From(SessionEvent e)
    {
        var columns = EventColumns.Of(e);
        return new EventRow(e.SessionId, e.Sequence, e.Time, e.Elapsed, StoredText.Of(e.Source), e.Offset, columns.Type, columns.Kind,
            columns.Tag, columns.Name, columns.Status, columns.LatencyUs is { } us ? TimeSpan.FromMicroseconds(us) : null,
            System.Text.Json.JsonSerializer.Serialize(e, StoredText.EventJson));
    }
}
