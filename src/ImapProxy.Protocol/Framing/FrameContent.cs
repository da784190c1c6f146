using ImapProxy.Protocol.Diagnostics;

namespace ImapProxy.Protocol.Framing;

/// <summary>
/// One complete frame as assembled by the framer: its line bytes (every line segment, literal headers and
/// CRLFs included, literal bodies left out) and the literals that sat between the segments. Valid until its
/// direction's next frame begins: each direction reuses one (its <see cref="Line"/> is the direction's line buffer
/// anyway), so that a small frame allocates none of this.
/// </summary>
internal sealed class FrameContent
{
    // Lists that a frame made longer than this are let go rather than kept for the frames after it.
    private const int RetainedItems = 16;

    private readonly List<(int LineStart, long StreamOffset)> segments = [];

    public FrameContent(Direction direction, long offset) => (Direction, Offset) = (direction, offset);

    /// <summary>Makes this the content of a new frame starting at <paramref name="offset"/>.</summary>
    public FrameContent Reset(long offset)
    {
        Offset = offset;
        Length = 0;
        Line = [];
        LineLength = 0;
        ContentLength = 0;
        Clear(segments);
        Clear(Literals);
        Clear(LiteralLinePositions);
        Clear(Diagnostics);
        Clear(Redactions);
        return this;
    }

    private static void Clear<T>(List<T> list)
    {
        var large = list.Count > RetainedItems;
        list.Clear();
        if (large) list.Capacity = RetainedItems;
    }

    public Direction Direction { get; }
    public long Offset { get; private set; }
    public long Length { get; set; }
    public byte[] Line { get; set; } = [];
    public int LineLength { get; set; }
    public List<Literal> Literals { get; } = [];

    /// <summary>For each literal, the position in <see cref="Line"/> where its body would sit.</summary>
    public List<int> LiteralLinePositions { get; } = [];
    public List<Diagnostic> Diagnostics { get; } = [];

    /// <summary>Stream ranges of this frame whose secrets were overwritten.</summary>
    public List<ByteRange> Redactions { get; } = [];

    /// <summary>Line bytes without the final CRLF (or bare LF).</summary>
    public int ContentLength { get; set; }

    public ReadOnlySpan<byte> Content => Line.AsSpan(0, ContentLength);

    public void AddSegment(int lineStart, long streamOffset) => segments.Add((lineStart, streamOffset));

    /// <summary>Maps a position in <see cref="Line"/> to its byte offset in the direction's stream.</summary>
    public long StreamOffsetOf(int linePosition)
    {
        for (var i = segments.Count - 1; i >= 0; i--)
        {
            if (segments[i].LineStart <= linePosition)
                return segments[i].StreamOffset + (linePosition - segments[i].LineStart);
        }
        return Offset + linePosition;
    }

    public void Report(Rule rule, int linePosition, string? detail = null)
    {
        // One diagnostic per rule and frame is enough to point a user at the problem.
        if (Diagnostics.Exists(d => d.Rule == rule.Id)) return;
        Diagnostics.Add(rule.At(StreamOffsetOf(linePosition), detail));
    }
}
