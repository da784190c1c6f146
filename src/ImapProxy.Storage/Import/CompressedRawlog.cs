using ImapProxy.Protocol;
using ImapProxy.Protocol.Decoding;
using ImapProxy.Protocol.Framing;
using ImapProxy.Protocol.Rawlog;

namespace ImapProxy.Storage.Import;

/// <summary>
/// Dovecot's rawlog cuts everything at 0x0A bytes, also the compressed part after COMPRESS, where a "line" then
/// holds the end of one write and the start of the next: a client's ID, CREATE and LIST can share one. Replayed as
/// they are, all the client's commands come before the server's answers. A sender must flush its compressor at the
/// end of each command or batch of responses for the peer to read them, and zlib's sync flush ends with an empty
/// stored block, 00 00 FF FF (RFC 1951 §3.2.4). The compressed part is cut there instead: one command or one batch of
/// responses per line, and RawlogReplay's turn-taking puts them in order.
/// </summary>
internal static class CompressedRawlog
{
    private static readonly byte[] SyncFlush = [0x00, 0x00, 0xFF, 0xFF];

    public static (IReadOnlyList<RawlogLine> Client, IReadOnlyList<RawlogLine> Server) CutAtFlushes(
        IReadOnlyList<RawlogLine> clientLines, IReadOnlyList<RawlogLine> serverLines, ImapParserOptions options)
    {
        var (client, server) = FirstCompressedLines(clientLines, serverLines, options);
        return (CutAtFlushes(clientLines, client), CutAtFlushes(serverLines, server));
    }

    /// <summary>Where each file's compressed part starts: the first line fed after the server accepted COMPRESS.</summary>
    private static (int Client, int Server) FirstCompressedLines(IReadOnlyList<RawlogLine> clientLines, IReadOnlyList<RawlogLine> serverLines,
        ImapParserOptions options)
    {
        var first = new[] { -1, -1 };
        var fed = new int[2];
        using var decoder = new SessionDecoder(new NoSink(), options, CompressedInput.Detect);
        RawlogReplay.Replay(decoder, clientLines, serverLines, (direction, _) =>
        {
            var index = fed[(int)direction]++;
            if (decoder.Parser.Compressed && first[(int)direction] < 0) first[(int)direction] = index;
        });
        return (first[0], first[1]);
    }

    /// <summary>
    /// Lines from <paramref name="from"/> on, cut after each sync flush. Dovecot stamps a file line with the time of
    /// the write that holds its first byte, so a write gets the stamp of a file line that starts inside it; a write
    /// in which no file line starts has no stamp (the replay's clock then stays where it was).
    /// </summary>
    private static IReadOnlyList<RawlogLine> CutAtFlushes(IReadOnlyList<RawlogLine> lines, int from)
    {
        if (from < 0) return lines;
        var cut = lines.Take(from).ToList();
        var pending = new List<byte>();
        decimal? timestamp = null;
        var flushes = 0;
        foreach (var line in lines.Skip(from))
        {
            timestamp ??= line.Timestamp;
            var rest = line.Bytes.AsSpan();
            // The marker holds no 0x0A, so it never straddles two file lines.
            for (var at = rest.IndexOf(SyncFlush); at >= 0; at = rest.IndexOf(SyncFlush))
            {
                pending.AddRange(rest[..(at + SyncFlush.Length)]);
                cut.Add(new RawlogLine(timestamp, [.. pending]));
                pending.Clear();
                timestamp = null;
                rest = rest[(at + SyncFlush.Length)..];
                flushes++;
            }
            pending.AddRange(rest);
        }
        if (pending.Count > 0) cut.Add(new RawlogLine(timestamp, [.. pending]));
        // No flush at all: the part is not DEFLATE data but already inflated text (ImapProxy's own rawlog exports).
        return flushes > 0 ? cut : lines;
    }

    private sealed class NoSink : IImapSink
    {
        public void OnFrame(ImapFrame frame) { }
        public void OnBytes(Direction direction, long offset, ReadOnlySpan<byte> bytes, Literal? literal) { }
    }
}
