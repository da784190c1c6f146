namespace ImapProxy.Protocol.Framing;

/// <summary>
/// The rest of a line over the limit, skipped up to its end: where it starts, whether it could hold a secret, and
/// its last bytes, in which a literal header may announce a body that belongs to the same command (RFC 3501 §4.3).
/// </summary>
internal sealed class SkippedLine
{
    /// <summary>Enough for the longest header and what must precede it: " {", 19 digits, "+}", CRLF.</summary>
    private const int TailCapacity = 32;

    private readonly byte[] tail = new byte[TailCapacity];
    private int tailLength;

    // Over the whole line: the tail alone cannot tell, as it may begin inside a quoted string.
    private QuotedString quoted;

    /// <param name="keptLine">The line's start, which was kept, before any redaction: a header may begin in it.</param>
    public SkippedLine(long offset, ReadOnlySpan<byte> keptLine)
    {
        Offset = offset;
        Append(keptLine);
    }

    public long Offset { get; }

    /// <summary>Whether the skipped bytes could hold a secret; decided when the kept start has been read.</summary>
    public bool IsSecret { get; set; }

    /// <summary>Bytes of a literal body announced at the end of the skipped line, still to skip.</summary>
    public long LiteralRemaining { get; private set; }

    public void Append(ReadOnlySpan<byte> bytes)
    {
        quoted.Feed(bytes);
        if (bytes.Length >= TailCapacity)
        {
            bytes[^TailCapacity..].CopyTo(tail);
            tailLength = TailCapacity;
            return;
        }
        var keep = Math.Min(tailLength, TailCapacity - bytes.Length);
        tail.AsSpan(tailLength - keep, keep).CopyTo(tail);
        bytes.CopyTo(tail.AsSpan(keep));
        tailLength = keep + bytes.Length;
    }

    /// <summary>At the line's LF: true when a literal header ends it, whose body is skipped next.</summary>
    public bool EndsInLiteralHeader()
    {
        var line = tail.AsSpan(0, tailLength);
        line = line[..^(line.Length >= 2 && line[^2] == (byte)'\r' ? 2 : 1)];
        if (LiteralHeader.TryFind(line, quoted.Inside, out var length, out _, out _) != LiteralHeader.Result.Found) return false;
        // "{0}" too (RFC 3501 §4.3: zero octets follow): the command goes on after it, as on a short line.
        LiteralRemaining = length;
        return true;
    }

    public void SkipLiteral(long count) => LiteralRemaining -= count;
}
