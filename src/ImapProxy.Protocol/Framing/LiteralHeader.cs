namespace ImapProxy.Protocol.Framing;

/// <summary>Finds a literal header (<c>{n}</c>, <c>{n+}</c>, <c>~{n}</c>) at the end of a line segment (RFC 3501 §4.3, RFC 7888, RFC 3516).</summary>
public static class LiteralHeader
{
    public enum Result
    {
        None,
        Found,

        /// <summary>A header whose length does not fit in 63 bits.</summary>
        Overflow,
    }

    /// <param name="segment">The segment without its line terminator.</param>
    public static Result TryFind(ReadOnlySpan<byte> segment, out long length, out bool binary, out bool nonSynchronizing)
    {
        length = 0;
        binary = false;
        nonSynchronizing = false;
        if (segment.Length < 3 || segment[^1] != (byte)'}') return Result.None;

        var end = segment.Length - 1;
        if (segment[end - 1] == (byte)'+')
        {
            nonSynchronizing = true;
            end--;
        }
        var digitsStart = end;
        while (digitsStart > 0 && segment[digitsStart - 1] is >= (byte)'0' and <= (byte)'9') digitsStart--;
        if (digitsStart == end || digitsStart == 0 || segment[digitsStart - 1] != (byte)'{') return Result.None;

        var brace = digitsStart - 1;
        if (brace > 0 && segment[brace - 1] == (byte)'~')
        {
            binary = true;
            brace--;
        }
        // A header follows a space, an opening parenthesis or bracket (RFC 3501 §9 grammar), never an atom.
        if (brace > 0 && segment[brace - 1] is not ((byte)' ' or (byte)'(' or (byte)'['))
            return Result.None;
        if (InsideQuotes(segment[..brace])) return Result.None;

        foreach (var b in segment[digitsStart..end])
        {
            var digit = b - '0';
            if (length > (long.MaxValue - digit) / 10) return Result.Overflow;
            length = length * 10 + digit;
        }
        return Result.Found;
    }

    /// <summary>Whether a position after <paramref name="prefix"/> is inside a quoted string.</summary>
    private static bool InsideQuotes(ReadOnlySpan<byte> prefix)
    {
        var quoted = false;
        for (var i = 0; i < prefix.Length; i++)
        {
            var b = prefix[i];
            if (quoted && b == (byte)'\\') i++;
            else if (b == (byte)'"') quoted = !quoted;
        }
        return quoted;
    }
}
