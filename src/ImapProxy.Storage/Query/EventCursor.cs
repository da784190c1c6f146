using System.Globalization;

namespace ImapProxy.Storage.Query;

/// <summary>
/// Where a page of events across sessions ends: the last event's key, (session id, sequence). Its text form
/// ("42-17") goes into URLs as it is.
/// </summary>
public readonly record struct EventCursor(long SessionId, long Sequence)
{
    public static EventCursor Of(EventRow e) => new(e.SessionId, e.Sequence);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{SessionId}-{Sequence}");

    public static bool TryParse(string? text, out EventCursor cursor)
    {
        cursor = default;
        var parts = text?.Split('-');
        if (parts is not { Length: 2 }
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var session)
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
            return false;
        cursor = new EventCursor(session, sequence);
        return true;
    }
}
