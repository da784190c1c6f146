using ImapProxy.Recording.Events;
using ImapProxy.Storage.Writing;

namespace ImapProxy.Storage;

/// <summary>
/// Session rows kept up to date from live events, with the writer's own summary logic, so a live view shows
/// what the store will hold once the events are written.
/// </summary>
public static class LiveSessionRows
{
    /// <param name="localInstance">This proxy's name (<c>--instance</c>): its own openings do not carry one, and the writer will store it on their rows.</param>
    public static SessionRow Opened(SessionOpened o, string? localInstance) => SessionRow.Blank(o.SessionId, o.Time) with
    {
        ClientAddress = o.ClientAddress, ListenerAddress = o.ListenerAddress, Listener = StoredText.Of(o.Listener), Upstream = o.Upstream,
        UpstreamTls = StoredText.Of(o.UpstreamTls), ClientTls = StoredText.Of(o.ClientTls), UpstreamInsecure = o.UpstreamInsecure, Events = 1,
        Instance = o.Instance ?? localInstance,
    };

    /// <summary>The row after one more event of its session (raw bytes move its byte counts).</summary>
    public static SessionRow Apply(SessionRow row, SessionEvent e)
    {
        var summary = new SessionSummary(row.Id);
        if (e is RawBytes chunk) summary.AddRaw(chunk);
        else summary.Add(e);
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
            Recording.EventJson.Write(e));
    }
}
