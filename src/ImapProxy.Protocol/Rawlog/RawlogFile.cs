namespace ImapProxy.Protocol.Rawlog;

/// <summary>One line of a rawlog file: its bytes (LF included) and, when the file has them, the time it was logged.</summary>
public sealed record RawlogLine(decimal? Timestamp, byte[] Bytes);

/// <summary>
/// Reads a Dovecot rawlog file (<c>BASE.in</c>: what the server received, <c>BASE.out</c>: what it sent).
/// With timestamps on, Dovecot starts every line with "seconds.microseconds " (iostream-rawlog); the prefix
/// is recognised on the first line and stripped from every line.
/// </summary>
public static class RawlogFile
{
    public static IReadOnlyList<RawlogLine> Read(ReadOnlySpan<byte> data)
    {
        var timed = TimestampLength(data) > 0;
        var lines = new List<RawlogLine>();
        while (!data.IsEmpty)
        {
            decimal? timestamp = null;
            if (timed)
            {
                var prefix = TimestampLength(data);
                if (prefix > 0)
                {
                    timestamp = decimal.Parse(System.Text.Encoding.ASCII.GetString(data[..(prefix - 1)]),
                        System.Globalization.CultureInfo.InvariantCulture);
                    data = data[prefix..];
                }
            }
            var lf = data.IndexOf((byte)'\n');
            var take = lf < 0 ? data.Length : lf + 1;
            lines.Add(new RawlogLine(timestamp, data[..take].ToArray()));
            data = data[take..];
        }
        return lines;
    }

    /// <summary>Length of a "digits.6digits " prefix at the start of <paramref name="data"/>, or 0.</summary>
    private static int TimestampLength(ReadOnlySpan<byte> data)
    {
        var i = 0;
        while (i < data.Length && char.IsAsciiDigit((char)data[i])) i++;
        if (i == 0 || i + 8 > data.Length || data[i] != (byte)'.') return 0;
        for (var k = 1; k <= 6; k++)
        {
            if (!char.IsAsciiDigit((char)data[i + k])) return 0;
        }
        return data[i + 7] == (byte)' ' ? i + 8 : 0;
    }
}
