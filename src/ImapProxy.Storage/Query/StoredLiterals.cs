using ImapProxy.Protocol;
using ImapProxy.Protocol.Framing;
using ImapProxy.Storage.Sqlite;

namespace ImapProxy.Storage.Query;

/// <summary>
/// A literal's body as the store kept it, read from the raw rows: from its first byte up to its end, or up to the
/// first gap, where the capture cap (--literal-cap) or a dropped chunk left bytes out. The one reader of literal
/// bodies: a stored session's findings, the dashboard's message view and the API's literal downloads use it.
/// </summary>
public static class StoredLiterals
{
    /// <summary>The literal's kept bytes; fewer than <see cref="Literal.Length"/> when the capture did not keep them all.</summary>
    public static byte[] Kept(EventStore store, long sessionId, Direction direction, Literal literal) =>
        Kept(store.GetRawSegments(sessionId, direction, literal.Offset, literal.Offset + literal.Length), literal);

    /// <summary>As <see cref="Kept(EventStore, long, Direction, Literal)"/>, from segments read already (they may cover more).</summary>
    public static byte[] Kept(IReadOnlyList<RawSegment> segments, Literal literal)
    {
        // Grown as bytes are found, not sized by the wire's {n}: a 500 MB literal cut at 16 MiB allocates 16 MiB.
        using var body = new MemoryStream();
        foreach (var segment in segments)
        {
            var next = literal.Offset + body.Length;
            var to = Math.Min(segment.End, literal.Offset + literal.Length);
            if (to <= next) continue;
            if (segment.Offset > next) break; // a gap: what follows it is not this literal's next byte
            body.Write(segment.Data, (int)(next - segment.Offset), (int)(to - next));
            if (body.Length == literal.Length) break;
        }
        return body.ToArray();
    }
}
