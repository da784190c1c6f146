using ImapProxy.Protocol.Decoding;

namespace ImapProxy.Protocol.Rawlog;

/// <summary>
/// Feeds the two files of a rawlog pair into a parser in conversation order. Timestamps order the lines
/// when present; otherwise, and for ties, the parser says whose turn it is (<see cref="ImapSessionParser.ExpectsClient"/>):
/// a client line when nothing is in progress or the client is mid-exchange, server lines until then. Without
/// timestamps a pipelining client's lines come out later than they were sent; every frame is still right.
/// Once COMPRESS is in effect, the rest of each file is cut at the compressor's flushes (<see cref="CompressedLines"/>).
/// </summary>
public static class RawlogReplay
{
    /// <summary>Replays the pair; the callback sees each line (after any cut at flushes) just before it is fed.</summary>
    public static void Replay(SessionDecoder decoder, IReadOnlyList<RawlogLine> clientLines, IReadOnlyList<RawlogLine> serverLines,
        Action<Direction, RawlogLine>? beforeLine = null)
    {
        var parser = decoder.Parser;
        var client = new PendingLines(clientLines);
        var server = new PendingLines(serverLines);
        while (client.Any || server.Any)
        {
            if (parser.Compressed)
            {
                client.CutRestAtFlushes();
                server.CutRestAtFlushes();
            }
            var direction = client.Any && (!server.Any || ClientFirst(client.Next, server.Next, parser)) ? Direction.Client : Direction.Server;
            var line = (direction == Direction.Client ? client : server).Take();
            beforeLine?.Invoke(direction, line);
            var taken = decoder.Feed(direction, line.Bytes);
            // TLS began (STARTTLS): a rawlog never holds TLS records in plaintext form, so the rest is not IMAP.
            if (taken < line.Bytes.Length) parser.ReportUnparsed(direction, line.Bytes.AsSpan(taken), Diagnostics.Rules.NotPlaintext);
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

    /// <summary>One file's lines not fed yet.</summary>
    private sealed class PendingLines(IReadOnlyList<RawlogLine> lines)
    {
        private IReadOnlyList<RawlogLine> lines = lines;
        private int next;
        private bool cut;

        public bool Any => next < lines.Count;
        public RawlogLine Next => lines[next];
        public RawlogLine Take() => lines[next++];

        /// <summary>Once, at the first line after COMPRESS took effect: everything from there on is compressed.</summary>
        public void CutRestAtFlushes()
        {
            if (cut) return;
            cut = true;
            lines = CompressedLines.CutAtFlushes(lines.Skip(next).ToList());
            next = 0;
        }
    }
}
