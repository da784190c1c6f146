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
        switch (stream.Mode)
        {
            case DirectionStream.ReadMode.Line:
                RedactUnfinishedSegment(frame);
                PassOnSegment();
                break;
            case DirectionStream.ReadMode.Discard:
                // The kept start of the line was passed on when the skipping began, the rest as it came.
                RedactDiscarded(frame, stream.Position);
                break;
        }
        output.Frame(ParserOutput.Malformed(frame, stream.Position, Rules.Truncated.Summary, stream.Line.AsSpan(0, stream.LineLength),
            Rules.Truncated.At(frame.Offset)));
        stream.EndFrame();
    }

    /// <summary>Passes on bytes that must not be parsed, flagged with the rule that explains why.</summary>
    /// <returns>The bytes as the sink got them (client secrets starred).</returns>
    public ReadOnlySpan<byte> ReportUnparsed(ReadOnlySpan<byte> bytes, Rule rule)
    {
        if (bytes.IsEmpty) return bytes;
        // Never parsed in place, so never redacted in place: whatever path lets plaintext client bytes go unparsed,
        // their secrets go first (RFC 3501 §6.2.1's injected LOGIN, bytes held for a STARTTLS that succeeded).
        // Bytes that are not plaintext (TLS records, DEFLATE) hold nothing readable.
        if (stream.Direction == Direction.Client && options.RedactSecrets && rule != Rules.NotPlaintext)
            bytes = Secrets.ClientBytesRedaction.Redact(bytes);
        output.Bytes(stream.Direction, stream.Position, bytes);
        output.Frame(new MalformedFrame
        {
            Direction = stream.Direction, Offset = stream.Position, Length = bytes.Length, Reason = rule.Summary,
            Preview = ByteText.Escape(bytes), Diagnostics = [rule.At(stream.Position, $"{bytes.Length} bytes")],
        });
        stream.Skip(bytes.Length);
        return bytes;
    }

    private int ReadLine(ReadOnlySpan<byte> data)
    {
        var lf = data.IndexOf((byte)'\n');
        var take = lf < 0 ? data.Length : lf + 1;
        if (stream.Frame is null) stream.BeginFrame();
        if (take > stream.LineRoom)
        {
            // The line keeps what fits whatever the chunking, so what is kept and redacted does not depend on it.
            var kept = stream.LineRoom;
            stream.Append(data[..kept]);
            var skipped = stream.StartDiscard();
            skipped.IsSecret = RedactUnfinishedSegment(stream.Frame!);
            PassOnSegment();
            return kept;
        }
        stream.Append(data[..take]);
        if (lf >= 0) CompleteSegment();
        return take;
    }

    /// <summary>Skips the rest of an over-long line; at its LF the frame is reported and given up.</summary>
    private int Discard(ReadOnlySpan<byte> data)
    {
        var skipped = stream.Skipped!;
        if (skipped.LiteralRemaining > 0) return DiscardLiteralBody(data, skipped);
        var lf = data.IndexOf((byte)'\n');
        var take = lf < 0 ? data.Length : lf + 1;
        if (skipped.IsSecret) output.Masked(stream.Direction, stream.Position, data[..take]);
        else output.Bytes(stream.Direction, stream.Position, data[..take]);
        stream.Skip(take);
        skipped.Append(data[..take]);
        if (lf < 0) return take;
        // A secret line that ends in a literal header (LOGIN's password after a long user name) goes on with the
        // body, which is skipped with it: taking it for the next command would show the password. The client's
        // view is taken: it sends the body, as after "+" (RFC 3501 §7.5).
        if (skipped.IsSecret && skipped.EndsInLiteralHeader()) return take;

        var frame = stream.Frame!;
        RedactDiscarded(frame, stream.Position - 1);
        output.Frame(ParserOutput.Malformed(frame, stream.Position, Rules.LineTooLong.Summary, stream.Line.AsSpan(0, Math.Min(stream.LineLength, 200)),
            Rules.LineTooLong.At(frame.Offset, $"limit {options.MaxLineLength} bytes")));
        handler.OnFrameAbandoned(frame);
        stream.EndFrame();
        return take;
    }

    private int DiscardLiteralBody(ReadOnlySpan<byte> data, SkippedLine skipped)
    {
        var body = (int)Math.Min(skipped.LiteralRemaining, data.Length);
        output.Stars(stream.Direction, stream.Position, body, null);
        stream.Skip(body);
        skipped.SkipLiteral(body);
        return body;
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

    /// <summary>
    /// The current segment will never end in its line terminator (the stream ended in it, or the line is over the
    /// limit): what could be a secret in it is overwritten. Returns true when the line's unread rest could hold one too.
    /// </summary>
    private bool RedactUnfinishedSegment(FrameContent frame)
    {
        frame.Line = stream.Line;
        frame.LineLength = stream.LineLength;
        frame.ContentLength = stream.LineLength;
        return handler.RedactUnfinished(frame, stream.SegmentStart);
    }

    /// <summary>Records the skipped rest of an over-long line, up to <paramref name="end"/>, as redacted when it could hold a secret.</summary>
    private void RedactDiscarded(FrameContent frame, long end)
    {
        if (stream.Skipped is { IsSecret: true, Offset: var start } && end > start) frame.Redactions.Add(new ByteRange(start, end - start));
    }

    /// <summary>Passes on the current segment's line bytes, which wait in the line until it is complete.</summary>
    private void PassOnSegment()
    {
        if (stream.Segment.Length > 0) output.Bytes(stream.Direction, stream.SegmentOffset, stream.Segment);
    }
}
