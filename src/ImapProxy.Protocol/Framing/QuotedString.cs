namespace ImapProxy.Protocol.Framing;

/// <summary>
/// Whether a line read so far stands inside a quoted string (RFC 3501 §9 quoted: a backslash escapes the next byte
/// there), fed in pieces: a literal header inside one is text.
/// </summary>
internal struct QuotedString
{
    private bool escaped;

    public bool Inside { get; private set; }

    public void Feed(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (escaped) escaped = false;
            else if (Inside && b == (byte)'\\') escaped = true;
            else if (b == (byte)'"') Inside = !Inside;
        }
    }

    /// <summary>Whether a position after <paramref name="prefix"/> is inside a quoted string.</summary>
    public static bool EndsInside(ReadOnlySpan<byte> prefix)
    {
        var scan = new QuotedString();
        scan.Feed(prefix);
        return scan.Inside;
    }
}
