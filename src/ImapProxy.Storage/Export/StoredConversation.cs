using ImapProxy.Protocol;
using ImapProxy.Recording.Events;

namespace ImapProxy.Storage.Export;

/// <summary>
/// A stored session as a conversation: both directions' bytes in the order they were seen, each run stamped with
/// the time of the event that first needed it, and the events themselves. Every stored byte comes out exactly once,
/// in stream order per direction. Exports (transcript, rawlog, pcap) are views of these steps.
/// </summary>
/// <remarks>
/// Frames are published when their last byte is parsed, so a command with a synchronizing literal comes out after
/// the server's continuation that let the client send the literal (RFC 3501 §7.5). To keep the wire order, each
/// continuation first releases the client's waiting bytes: the line ending in the literal header <c>{n}</c>
/// (and, on the next continuation, that literal's body and the next such line).
/// </remarks>
internal sealed class StoredConversation
{
    private const int PageSize = 1000;
    private const int MaxHeaderLineScan = 64 * 1024;

    private readonly EventStore store;
    private readonly long[] emitted = new long[2];
    private long clientLiteralAhead;
    private DateTimeOffset now;

    public StoredConversation(EventStore store, long sessionId)
    {
        this.store = store;
        Session = store.GetSession(sessionId) ?? throw new EventStoreException($"there is no session {sessionId}");
        Client = new RawCursor(store, sessionId, Direction.Client);
        Server = new RawCursor(store, sessionId, Direction.Server);
        now = Session.StartedAt;
    }

    public SessionRow Session { get; }
    public RawCursor Client { get; }
    public RawCursor Server { get; }

    public RawCursor Raw(Direction direction) => direction == Direction.Client ? Client : Server;

    /// <summary>All events of the session in sequence order, page by page.</summary>
    public IEnumerable<EventRow> Events()
    {
        long after = 0;
        while (true)
        {
            var page = store.GetEvents(Session.Id, after, PageSize);
            foreach (var row in page) yield return row;
            if (page.Count < PageSize) yield break;
            after = page[^1].Sequence;
        }
    }

    /// <summary>The conversation in order. Enumerate once.</summary>
    public IEnumerable<ConversationStep> Steps()
    {
        foreach (var row in Events())
        {
            // Times only move forward, so formats that order by time (rawlog) keep the event order.
            if (row.Time > now) now = row.Time;
            var e = row.ReadEvent();
            if (e is FrameParsed { Frame: { Length: > 0 } frame })
            {
                var (direction, end) = (frame.Direction, frame.Offset + frame.Length);
                if (frame is ResponseFrame { ResponseKind: ResponseKind.Continuation } && ReleaseClientHead() is { } head) yield return head;
                if (end > emitted[(int)direction])
                {
                    yield return Take(direction, end, frame.Literals?.Select(l => new LiteralSpan(l.Offset, l.Length)).ToList() ?? []);
                    if (direction == Direction.Client) clientLiteralAhead = 0;
                }
            }
            if (e is SessionClosed)
            {
                foreach (var rest in Rest()) yield return rest;
            }
            yield return new EventStep(row, e);
        }
        foreach (var rest in Rest()) yield return rest;
    }

    private BytesStep Take(Direction direction, long end, IReadOnlyList<LiteralSpan> literals)
    {
        var from = emitted[(int)direction];
        emitted[(int)direction] = end;
        return new BytesStep(direction, from, end, literals.Where(l => l.End > from && l.Offset < end).ToList(), now);
    }

    /// <summary>Bytes after the last frame of each direction (a frame cut short when the connection ended).</summary>
    private IEnumerable<BytesStep> Rest()
    {
        foreach (var cursor in new[] { Client, Server })
        {
            if (cursor.End > emitted[(int)cursor.Direction]) yield return Take(cursor.Direction, cursor.End, []);
        }
    }

    /// <summary>The client bytes a continuation answered: a pending literal's body, then a line ending in <c>{n}</c>.</summary>
    private BytesStep? ReleaseClientHead()
    {
        var from = emitted[(int)Direction.Client];
        var to = from + clientLiteralAhead;
        List<LiteralSpan> literals = clientLiteralAhead > 0 ? [new LiteralSpan(from, clientLiteralAhead)] : [];
        clientLiteralAhead = 0;
        var line = Client.ReadBytes(to, Math.Min(to + MaxHeaderLineScan, Client.End));
        var lf = Array.IndexOf(line, (byte)'\n');
        if (lf >= 0 && SynchronizingLiteralLength(line.AsSpan(0, lf + 1)) is { } length)
        {
            to += lf + 1;
            clientLiteralAhead = length;
        }
        return to > from ? Take(Direction.Client, to, literals) : null;
    }

    /// <summary>The n of a line ending in <c>{n}</c> + CRLF (RFC 3501 §4.3); null for <c>{n+}</c> (RFC 7888), which does not wait.</summary>
    internal static long? SynchronizingLiteralLength(ReadOnlySpan<byte> line)
    {
        line = line[..^1];
        if (line.EndsWith("\r"u8)) line = line[..^1];
        if (!line.EndsWith("}"u8)) return null;
        var open = line.LastIndexOf((byte)'{');
        if (open < 0) return null;
        var digits = line[(open + 1)..^1];
        if (digits.IsEmpty || digits.Length > 18) return null;
        long n = 0;
        foreach (var b in digits)
        {
            if (!char.IsAsciiDigit((char)b)) return null;
            n = n * 10 + (b - '0');
        }
        return n;
    }
}
