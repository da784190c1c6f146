
namespace ImapProxy.Protocol.Framing;

/// <summary>
/// Byte-level state of one direction: the line being assembled, the literal being streamed, and the offset of
/// the next byte. Memory is the current line only; literal bodies pass through (RFC 3501 §4.3).
/// </summary>
internal sealed class DirectionStream(Direction direction, ImapParserOptions options)
{
    private const int InitialLineCapacity = 256;
    private const int RetainedLineCapacity = 64 * 1024;

    public enum ReadMode
    {
        Line,
        Literal,

        /// <summary>Skipping the rest of an over-long line up to its LF.</summary>
        Discard,
    }

    public Direction Direction { get; } = direction;

    /// <summary>Offset of the next byte this direction will consume.</summary>
    public long Position { get; set; }

    public ReadMode Mode { get; set; }

    /// <summary>The frame being assembled, null between frames.</summary>
    public FrameContent? Frame { get; set; }

    public byte[] Line { get; private set; } = new byte[InitialLineCapacity];
    public int LineLength { get; set; }

    /// <summary>Start of the current segment in <see cref="Line"/>, and its stream offset.</summary>
    public int SegmentStart { get; set; }
    public long SegmentOffset { get; set; }

    /// <summary>True when the frame is free text that cannot contain literals (status responses, SASL lines).</summary>
    public bool FrameIsText { get; set; }

    public Literal? Literal { get; set; }
    public long LiteralRemaining { get; set; }
    public byte[]? LiteralContent { get; set; }
    public int LiteralFilled { get; set; }

    /// <summary>Appends line bytes; false when the line would exceed the limit.</summary>
    public bool Append(ReadOnlySpan<byte> bytes)
    {
        var needed = (long)LineLength + bytes.Length;
        if (needed > options.MaxLineLength) return false;
        if (needed > Line.Length)
        {
            var grown = new byte[(int)Math.Min(Math.Max(needed, (long)Line.Length * 2), options.MaxLineLength)];
            Line.AsSpan(0, LineLength).CopyTo(grown);
            Line = grown;
        }
        bytes.CopyTo(Line.AsSpan(LineLength));
        LineLength += bytes.Length;
        return true;
    }

    public void BeginFrame()
    {
        Frame = new FrameContent(Direction, Position);
        LineLength = 0;
        SegmentStart = 0;
        SegmentOffset = Position;
        FrameIsText = false;
        Frame.AddSegment(0, Position);
    }

    /// <summary>Forgets the frame; gives back a line buffer that a big line made large.</summary>
    public void EndFrame()
    {
        Frame = null;
        LineLength = 0;
        SegmentStart = 0;
        Mode = ReadMode.Line;
        if (Line.Length > RetainedLineCapacity) Line = new byte[InitialLineCapacity];
    }
}
