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
    public static Result TryFind(ReadOnlySpan<byte> segment, out long length, out bool binary, out bool nonSynchronizing) =>
        TryFind(segment, null, out length, out binary, out nonSynchronizing);

    /// <param name="segment">The segment without its line terminator.</param>
    /// <param name="quotedAtEnd">Whether the line ends inside a quoted string, when the caller knows it from more of the
    /// line than <paramref name="segment"/> holds (a header has no quote, so it is also the state before the header);
    /// null: judged from <paramref name="segment"/> alone.</param>
    internal static Result TryFind(ReadOnlySpan<byte> segment, bool? quotedAtEnd, out long length, out bool binary, out bool nonSynchronizing)
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
        if (quotedAtEnd ?? QuotedString.EndsInside(segment[..brace])) return Result.None;

        foreach (var b in segment[digitsStart..end])
        {
            var digit = b - '0';
            if (length > (long.MaxValue - digit) / 10) return Result.Overflow;
            length = length * 10 + digit;
        }
        return Result.Found;
    }
}
