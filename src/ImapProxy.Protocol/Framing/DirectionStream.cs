namespace ImapProxy.Protocol.Framing;

/// <summary>
/// Byte-level state of one direction: the line being assembled, the literal being streamed, and the offset of
/// the next byte. Memory is the current line only; literal bodies pass through (RFC 3501 §4.3).
/// </summary>
internal sealed class DirectionStream(Direction direction, ImapParserOptions options)
{
    private const int InitialLineCapacity = 256;
    private const int RetainedLineCapacity = 64 * 1024;

    private int literalFilled;

    public enum ReadMode
    {
        Line,
        Literal,

        /// <summary>Skipping the rest of an over-long line up to its LF.</summary>
        Discard,
    }

    public Direction Direction { get; } = direction;

    /// <summary>Offset of the next byte this direction will consume.</summary>
    public long Position { get; private set; }

    public ReadMode Mode { get; private set; }

    /// <summary>The frame being assembled, null between frames.</summary>
    public FrameContent? Frame { get; private set; }

    // The one frame content this direction fills, frame after frame (FrameContent says for how long each is valid).
    private FrameContent? reusedFrame;

    public byte[] Line { get; private set; } = new byte[InitialLineCapacity];
    public int LineLength { get; private set; }

    /// <summary>Start of the current segment in <see cref="Line"/>, and its stream offset.</summary>
    public int SegmentStart { get; private set; }
    public long SegmentOffset { get; private set; }

    /// <summary>The current segment's bytes so far.</summary>
    public ReadOnlySpan<byte> Segment => Line.AsSpan(SegmentStart, LineLength - SegmentStart);

    /// <summary>True when the frame is free text that cannot contain literals (status responses, SASL lines).</summary>
    public bool FrameIsText { get; private set; }

    /// <summary>The literal whose body is being read, null outside one.</summary>
    public Literal? Literal { get; private set; }
    public long LiteralRemaining { get; private set; }

    /// <summary>The body read so far, kept only for literals small enough to parse.</summary>
    public byte[]? LiteralContent { get; private set; }

    /// <summary>Moves past bytes that were consumed without being framed (skipped or reported as unparsed).</summary>
    public void Skip(long count) => Position += count;

    /// <summary>Line bytes that may still be appended before the line reaches the limit.</summary>
    public int LineRoom => options.MaxLineLength - LineLength;

    /// <summary>Appends line bytes (at most <see cref="LineRoom"/>) and moves past them.</summary>
    public void Append(ReadOnlySpan<byte> bytes)
    {
        var needed = LineLength + bytes.Length;
        if (needed > Line.Length)
        {
            var grown = new byte[(int)Math.Min(Math.Max(needed, (long)Line.Length * 2), options.MaxLineLength)];
            Line.AsSpan(0, LineLength).CopyTo(grown);
            Line = grown;
        }
        bytes.CopyTo(Line.AsSpan(LineLength));
        LineLength += bytes.Length;
        Position += bytes.Length;
    }

    /// <summary>The rest of an over-long line being skipped (see <see cref="ReadMode.Discard"/>), null otherwise.</summary>
    public SkippedLine? Skipped { get; private set; }

    /// <summary>The line is over the limit: its rest is skipped up to its LF.</summary>
    public SkippedLine StartDiscard()
    {
        Mode = ReadMode.Discard;
        return Skipped = new SkippedLine(Position, Line.AsSpan(0, LineLength));
    }

    public void BeginFrame()
    {
        Frame = (reusedFrame ??= new FrameContent(Direction, Position)).Reset(Position);
        LineLength = 0;
        SegmentStart = 0;
        SegmentOffset = Position;
        FrameIsText = false;
        Frame.AddSegment(0, Position);
    }

    public void MarkFrameAsText() => FrameIsText = true;

    public void BeginLiteral(Literal literal, bool keepContent)
    {
        Literal = literal;
        LiteralRemaining = literal.Length;
        LiteralContent = keepContent ? new byte[literal.Length] : null;
        literalFilled = 0;
        Mode = ReadMode.Literal;
    }

    /// <summary>Moves past a chunk of the literal's body, keeping a copy when the body is kept.</summary>
    public void ConsumeLiteral(ReadOnlySpan<byte> chunk)
    {
        if (LiteralContent is { } content)
        {
            chunk.CopyTo(content.AsSpan(literalFilled));
            literalFilled += chunk.Length;
        }
        Position += chunk.Length;
        LiteralRemaining -= chunk.Length;
    }

    /// <summary>The literal's body is complete: the frame goes on with a new line segment after it.</summary>
    public void EndLiteral()
    {
        Literal = null;
        LiteralContent = null;
        Mode = ReadMode.Line;
        SegmentStart = LineLength;
        SegmentOffset = Position;
        Frame!.AddSegment(LineLength, Position);
    }

    /// <summary>Forgets the frame and any literal in it; gives back a line buffer that a big line made large.</summary>
    public void EndFrame()
    {
        // A frame that holds what must not outlive it (a large line buffer, literals and the bodies kept with them) is
        // not reused: it goes with its frame instead of waiting, maybe through hours of IDLE, for the direction's next one.
        var large = Line.Length > RetainedLineCapacity;
        if (large || Frame?.Literals.Count > 0) reusedFrame = null;
        Frame = null;
        LineLength = 0;
        SegmentStart = 0;
        Mode = ReadMode.Line;
        Literal = null;
        LiteralContent = null;
        Skipped = null;
        if (large) Line = new byte[InitialLineCapacity];
    }
}
