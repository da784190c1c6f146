using ImapProxy.Protocol;
using ImapProxy.Storage.Writing;

namespace ImapProxy.Storage.Export;

/// <summary>
/// A run of one direction's stream: stored bytes, or a stretch the capture did not keep (<see cref="Data"/> null:
/// the cut part of a literal over the capture cap, or raw chunks the bus dropped).
/// </summary>
internal readonly record struct RawPiece(long Offset, long Length, ReadOnlyMemory<byte>? Data)
{
    public long End => Offset + Length;
}

/// <summary>
/// Reads one direction's stored bytes front to back through a window of bounded size, so exporting a session
/// with a 500 MB literal never holds it whole (the data path streams bodies; it never loads one whole).
/// </summary>
internal sealed class RawCursor(EventStore store, long sessionId, Direction direction)
{
    private const int Window = 1024 * 1024;

    private IReadOnlyList<RawSegment> segments = [];
    private long windowFrom = -1;
    private long windowTo = -1;
    private long? end;

    public Direction Direction => direction;

    /// <summary>Offset just past the last stored byte of the direction (0 when nothing was stored).</summary>
    public long End => end ??= QueryEnd();

    /// <summary>The runs covering [<paramref name="from"/>, <paramref name="to"/>), in order, without gaps between them.</summary>
    public IEnumerable<RawPiece> Read(long from, long to)
    {
        var position = from;
        while (position < to)
        {
            if (position < windowFrom || position >= windowTo) Load(position);
            var piece = PieceAt(position, Math.Min(to, windowTo));
            yield return piece;
            position = piece.End;
        }
    }

    /// <summary>The stored bytes of [<paramref name="from"/>, <paramref name="to"/>), gaps left out.</summary>
    public byte[] ReadBytes(long from, long to)
    {
        using var buffer = new MemoryStream();
        foreach (var piece in Read(from, to))
        {
            if (piece.Data is { } data) buffer.Write(data.Span);
        }
        return buffer.ToArray();
    }

    private void Load(long position)
    {
        windowFrom = position;
        windowTo = position + Window;
        segments = store.GetRawSegments(sessionId, direction, windowFrom, windowTo);
    }

    private RawPiece PieceAt(long position, long limit)
    {
        foreach (var segment in segments)
        {
            if (segment.End <= position) continue;
            if (segment.Offset > position) return new RawPiece(position, Math.Min(segment.Offset, limit) - position, null);
            var start = (int)(position - segment.Offset);
            var length = (int)(Math.Min(segment.End, limit) - position);
            return new RawPiece(position, length, segment.Data.AsMemory(start, length));
        }
        return new RawPiece(position, limit - position, null);
    }

    private long QueryEnd()
    {
        using var connection = store.OpenConnection();
        // Rows do not overlap, so the last row (found through the primary key) ends the stream.
        using var command = EventStore.Command(connection, $"""
            SELECT r."offset" + {store.Dialect.RawLength("r")} FROM raw r WHERE r.session_id = @session AND r.direction = @direction
            ORDER BY r."offset" DESC LIMIT 1
            """, ("@session", sessionId), ("@direction", StoredText.Of(direction)));
        return command.ExecuteScalar() is { } last and not DBNull ? Convert.ToInt64(last) : 0;
    }
}
