using ImapProxy.Protocol;
using ImapProxy.Protocol.Framing;
using ImapProxy.Protocol.Responses;
using ImapProxy.Recording.Events;

namespace ImapProxy.Storage.Query;

/// <summary>
/// A stored session's events read back as records for the findings engine, with the bodies of FETCH literals the
/// parser keeps with their frame (up to its inline limit) put back from the stored raw bytes: the JSON leaves them
/// out, and without them a stored session would be judged on less than the live one was.
/// </summary>
public static class StoredSessionEvents
{
    public static IEnumerable<SessionEvent> Read(EventStore store, long sessionId, IEnumerable<EventRow> rows)
    {
        IReadOnlyList<RawSegment>? server = null;
        foreach (var row in rows)
        {
            var e = row.ReadEvent();
            if (e is FrameParsed { Frame: ResponseFrame { Data: FetchData { Sections: { } sections } fetch } response } parsed
                && sections.Any(Missing))
            {
                server ??= store.GetRawSegments(sessionId, Direction.Server);
                var restored = sections.Select(s => Missing(s) && Slice(server, s.Literal!) is { } body ? s with { Literal = s.Literal! with { Content = body } } : s).ToList();
                e = parsed with { Frame = response with { Data = fetch with { Sections = restored } } };
            }
            yield return e;
        }
    }

    private static bool Missing(BodySection section) =>
        section.Literal is { Content: null, Redacted: false } literal && literal.Length <= ImapParserOptions.Default.MaxInlineLiteral;

    /// <summary>The literal's bytes from the stored segments; null where the capture did not keep all of them.</summary>
    private static byte[]? Slice(IReadOnlyList<RawSegment> segments, Literal literal)
    {
        var body = new byte[literal.Length];
        var filled = 0L;
        foreach (var segment in segments)
        {
            var from = Math.Max(segment.Offset, literal.Offset + filled);
            var to = Math.Min(segment.End, literal.Offset + literal.Length);
            if (from > literal.Offset + filled) return null; // a gap: bytes not kept
            if (to <= from) continue;
            segment.Data.AsSpan((int)(from - segment.Offset), (int)(to - from)).CopyTo(body.AsSpan((int)(from - literal.Offset)));
            filled = to - literal.Offset;
            if (filled == literal.Length) return body;
        }
        return filled == literal.Length ? body : null;
    }
}
