using ImapProxy.Protocol.Decoding;

namespace ImapProxy.Protocol.Rawlog;

/// <summary>
/// Feeds the two files of a rawlog pair into a parser in conversation order. Timestamps order the lines
/// when present; otherwise, and for ties, the parser says whose turn it is (<see cref="ImapSessionParser.ExpectsClient"/>):
/// a client line when nothing is in progress or the client is mid-exchange, server lines until then. Without
/// timestamps a pipelining client's lines come out later than they were sent; every frame is still right.
/// </summary>
public static class RawlogReplay
{
    /// <summary>Replays the pair; the callback sees each line's timestamp just before it is fed.</summary>
    public static void Replay(SessionDecoder decoder, IReadOnlyList<RawlogLine> clientLines, IReadOnlyList<RawlogLine> serverLines,
        Action<Direction, decimal?>? beforeLine = null)
    {
        var parser = decoder.Parser;
        int c = 0, s = 0;
        while (c < clientLines.Count || s < serverLines.Count)
        {
            var takeClient = c < clientLines.Count && (s >= serverLines.Count || ClientFirst(clientLines[c], serverLines[s], parser));
            if (!takeClient)
            {
                beforeLine?.Invoke(Direction.Server, serverLines[s].Timestamp);
                var bytes = serverLines[s++].Bytes;
                var taken = decoder.Feed(Direction.Server, bytes);
                // TLS began: a rawlog never holds TLS records in plaintext form, so the rest is not IMAP.
                if (taken < bytes.Length) parser.ReportUnparsed(Direction.Server, bytes.AsSpan(taken), Diagnostics.Rules.NotPlaintext);
                continue;
            }
            beforeLine?.Invoke(Direction.Client, clientLines[c].Timestamp);
            var line = clientLines[c++].Bytes;
            var consumed = decoder.Feed(Direction.Client, line);
            // Bytes after STARTTLS: Dovecot starts its rawlog after login, so they are not plaintext IMAP.
            if (consumed < line.Length) parser.ReportUnparsed(Direction.Client, line.AsSpan(consumed), Diagnostics.Rules.NotPlaintext);
        }
        decoder.Complete(Direction.Client);
        decoder.Complete(Direction.Server);
    }

    /// <summary>Parser options for a pair: Dovecot's rawlog_dir starts after login, with the LOGIN's tagged OK.</summary>
    public static ImapParserOptions OptionsFor(IReadOnlyList<RawlogLine> serverLines, ImapParserOptions? options = null)
    {
        options ??= ImapParserOptions.Default;
        var first = serverLines.Count > 0 ? serverLines[0].Bytes.AsSpan() : default;
        var afterLogin = !first.IsEmpty && first[0] is not ((byte)'*' or (byte)'+');
        return options with { StartsAuthenticated = afterLogin };
    }

    private static bool ClientFirst(RawlogLine client, RawlogLine server, ImapSessionParser parser)
    {
        // After COMPRESS, Dovecot stamps only the writes that start after a 0x0A in the compressed bytes, so a
        // timestamp may be far older than the data behind it: the parser's sense of whose turn it is decides.
        if (!parser.Compressed && client.Timestamp is { } ct && server.Timestamp is { } st && ct != st) return ct < st;
        // During IDLE the server's untagged updates come before the client's DONE.
        if (parser.Idling && server.Bytes.AsSpan().StartsWith("* "u8)) return false;
        return parser.ExpectsClient;
    }
}
