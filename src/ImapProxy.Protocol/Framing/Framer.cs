using ImapProxy.Protocol.Diagnostics;

namespace ImapProxy.Protocol.Framing;

/// <summary>
/// Cuts one direction's bytes into frames: lines, the literals between them (RFC 3501 §4.3) and the line
/// segments around those literals. Passes every byte on exactly once, secrets overwritten, and hands each
/// complete frame to its <see cref="IFrameHandler"/>.
/// </summary>
internal sealed class Framer(DirectionStream stream, IFrameHandler handler, ParserOutput output, ImapParserOptions options)
{
    public DirectionStream Stream => stream;

    /// <summary>Reads up to the next boundary (a line's end, a literal's end, or the data's end); returns the bytes consumed.</summary>
    public int Step(ReadOnlySpan<byte> data) => stream.Mode switch
    {
        DirectionStream.ReadMode.Literal => ReadLiteralBody(data),
        DirectionStream.ReadMode.Discard => Discard(data),
        _ => ReadLine(data),
    };

    /// <summary>Runs <paramref name="read"/> on the data; an exception escaping it is a bug of ours, which must not
    /// take the session down: it is reported and framing starts afresh at the next byte.</summary>
    public int ReadSafely(ReadOnlySpan<byte> data, Func<ReadOnlySpan<byte>, int> read)
    {
        try
        {
            return read(data);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            output.Frame(new MalformedFrame
            {
                Direction = stream.Direction, Offset = stream.Position, Length = 0,
                Reason = $"internal parser error: {e.GetType().Name}: {e.Message}", Preview = "",
            });
            stream.EndFrame();
            return data.Length;
        }
    }

    /// <summary>The stream ended: the frame in progress, if any, is reported as truncated.</summary>
    public void Complete()
    {
        if (stream.Frame is not { } frame) return;
        if (stream.Mode != DirectionStream.ReadMode.Literal) PassOnSegment();
        output.Frame(ParserOutput.Malformed(frame, stream.Position, Rules.Truncated.Summary, stream.Line.AsSpan(0, stream.LineLength),
            Rules.Truncated.At(frame.Offset)));
        stream.EndFrame();
    }

    /// <summary>Passes on bytes that must not be parsed, flagged with the rule that explains why.</summary>
    public void ReportUnparsed(ReadOnlySpan<byte> bytes, Rule rule)
    {
        if (bytes.IsEmpty) return;
        output.Bytes(stream.Direction, stream.Position, bytes);
        output.Frame(new MalformedFrame
        {
            Direction = stream.Direction, Offset = stream.Position, Length = bytes.Length, Reason = rule.Summary,
            Preview = ByteText.Escape(bytes), Diagnostics = [rule.At(stream.Position, $"{bytes.Length} bytes")],
        });
        stream.Skip(bytes.Length);
    }

    private int ReadLine(ReadOnlySpan<byte> data)
    {
        var lf = data.IndexOf((byte)'\n');
        var take = lf < 0 ? data.Length : lf + 1;
        if (stream.Frame is null) stream.BeginFrame();
        if (!stream.TryAppend(data[..take]))
        {
            PassOnSegment();
            stream.StartDiscard();
            return 0;
        }
        if (lf >= 0) CompleteSegment();
        return take;
    }

    /// <summary>Skips the rest of an over-long line; at its LF the frame is reported and given up.</summary>
    private int Discard(ReadOnlySpan<byte> data)
    {
        var lf = data.IndexOf((byte)'\n');
        var take = lf < 0 ? data.Length : lf + 1;
        output.Bytes(stream.Direction, stream.Position, data[..take]);
        stream.Skip(take);
        if (lf < 0) return take;

        var frame = stream.Frame!;
        output.Frame(ParserOutput.Malformed(frame, stream.Position, Rules.LineTooLong.Summary, stream.Line.AsSpan(0, Math.Min(stream.LineLength, 200)),
            Rules.LineTooLong.At(frame.Offset, $"limit {options.MaxLineLength} bytes")));
        handler.OnFrameAbandoned();
        stream.EndFrame();
        return take;
    }

    private int ReadLiteralBody(ReadOnlySpan<byte> data)
    {
        var literal = stream.Literal!;
        var chunk = data[..(int)Math.Min(stream.LiteralRemaining, data.Length)];
        if (literal.Redacted) output.Stars(stream.Direction, stream.Position, chunk.Length, literal);
        else output.Bytes(stream.Direction, stream.Position, chunk, literal);
        stream.ConsumeLiteral(chunk);
        if (stream.LiteralRemaining == 0) FinishLiteral();
        return chunk.Length;
    }

    private void FinishLiteral()
    {
        var frame = stream.Frame!;
        var literal = stream.Literal!;
        var content = stream.LiteralContent;
        if (literal.Redacted && content is not null)
        {
            // A secret's real bytes stay in memory only until here.
            handler.OnSecretLiteral(content);
            content.AsSpan().Fill(Redaction.RawFill);
        }
        frame.Literals[^1] = literal with { Content = content };
        stream.EndLiteral();
    }

    /// <summary>A line ended: either a literal follows (the frame goes on) or the frame is complete.</summary>
    private void CompleteSegment()
    {
        var frame = stream.Frame!;
        var end = stream.LineLength;
        // RFC 3501 §2.2: lines end in CRLF; a bare LF is tolerated and reported.
        var terminator = end >= 2 && stream.Line[end - 2] == (byte)'\r' ? 2 : 1;
        if (terminator == 1) frame.Report(Rules.BareLf, end - 1);
        frame.Line = stream.Line;
        frame.LineLength = end;
        frame.ContentLength = end - terminator;

        if (stream.SegmentStart == 0 && handler.IsTextFrame(frame)) stream.MarkFrameAsText();
        if (!stream.FrameIsText)
        {
            var segment = stream.Line.AsSpan(stream.SegmentStart, end - terminator - stream.SegmentStart);
            switch (LiteralHeader.TryFind(segment, out var length, out var binary, out var nonSync))
            {
                case LiteralHeader.Result.Found:
                    StartLiteral(length, binary, nonSync);
                    return;
                case LiteralHeader.Result.Overflow:
                    frame.Report(Rules.LiteralLengthOverflow, end - terminator - 1);
                    break;
            }
        }

        handler.RedactSegment(frame, stream.SegmentStart);
        PassOnSegment();
        frame.Length = stream.Position - frame.Offset;
        stream.EndFrame();
        handler.OnFrame(frame);
    }

    private void StartLiteral(long length, bool binary, bool nonSync)
    {
        var frame = stream.Frame!;
        var secret = handler.IsSecretLiteral(frame);
        var literal = new Literal(stream.Position, length, binary, nonSync) { Redacted = secret };

        // The header of a password literal is not the password: only the literal's body is secret.
        if (!secret) handler.RedactSegment(frame, stream.SegmentStart);
        PassOnSegment();
        frame.Literals.Add(literal);
        frame.LiteralLinePositions.Add(stream.LineLength);
        if (secret) frame.Redactions.Add(new ByteRange(literal.Offset, length));

        stream.BeginLiteral(literal, keepContent: length <= options.MaxInlineLiteral);
        handler.OnLiteralStarted(frame, literal);
        if (length == 0) FinishLiteral();
    }

    /// <summary>Passes on the current segment's line bytes, which wait in the line until it is complete.</summary>
    private void PassOnSegment()
    {
        if (stream.Segment.Length > 0) output.Bytes(stream.Direction, stream.SegmentOffset, stream.Segment);
    }
}
