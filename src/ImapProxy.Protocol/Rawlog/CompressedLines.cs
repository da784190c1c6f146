namespace ImapProxy.Protocol.Rawlog;

/// <summary>
/// Dovecot's rawlog cuts everything at 0x0A bytes, also the compressed part after COMPRESS, where a "line" then
/// holds the end of one write and the start of the next: a client's ID, CREATE and LIST can share one. Replayed as
/// they are, all the client's commands come before the server's answers. A sender must flush its compressor at the
/// end of each command or batch of responses for the peer to read them, and zlib's sync flush ends with an empty
/// stored block, 00 00 FF FF (RFC 1951 §3.2.4). The compressed part is cut there instead: one command or one batch of
/// responses per line, and the replay's turn-taking puts them in order.
/// </summary>
internal static class CompressedLines
{
    private static readonly byte[] SyncFlush = [0x00, 0x00, 0xFF, 0xFF];

    /// <summary>
    /// The lines cut after each sync flush. Dovecot stamps a file line with the time of the write that holds its first
    /// byte, so a write gets the stamp of a file line that starts inside it; a write in which no file line starts has
    /// no stamp (the replay's clock then stays where it was). Lines with no flush at all are not DEFLATE data but
    /// already inflated text (ImapProxy's own rawlog exports) and come back as they are.
    /// </summary>
    public static IReadOnlyList<RawlogLine> CutAtFlushes(IReadOnlyList<RawlogLine> lines)
    {
        var cut = new List<RawlogLine>();
        var pending = new List<byte>();
        decimal? timestamp = null;
        foreach (var line in lines)
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
            }
            pending.AddRange(rest);
        }
        if (cut.Count == 0) return lines;
        if (pending.Count > 0) cut.Add(new RawlogLine(timestamp, [.. pending]));
        return cut;
    }
}
