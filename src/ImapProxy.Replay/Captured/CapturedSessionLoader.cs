using ImapProxy.Protocol;
using ImapProxy.Recording.Events;
using ImapProxy.Storage;

namespace ImapProxy.Replay.Captured;

/// <summary>Reads a stored session back as a <see cref="CapturedSession"/>: its events in order, sliced out of its raw streams.</summary>
public static class CapturedSessionLoader
{
    private const int Page = 5_000;

    /// <summary>The session, or why it cannot be read whole (see <see cref="ReplayCheck"/> for the rest of the checks).</summary>
    public static (CapturedSession? Session, string? Problem) Load(EventStore store, SessionRow row)
    {
        (byte[]? Bytes, string? Problem) client, server;
        try
        {
            client = Contiguous(store, row.Id, Direction.Client);
            server = Contiguous(store, row.Id, Direction.Server);
        }
        catch (Exception e) when (e is IOException or OutOfMemoryException)
        {
            // Plaintext after COMPRESS can be far larger than the bytes on the wire that the check looked at.
            return (null, $"session {row.Id} is too large to replay ({e.Message})");
        }
        if ((client.Problem ?? server.Problem) is { } problem) return (null, problem);
        var builder = new Builder(client.Bytes!, server.Bytes!);
        try
        {
            for (long after = 0; ;)
            {
                var events = store.GetEvents(row.Id, after, Page);
                foreach (var e in events) builder.Add(e);
                if (events.Count < Page) break;
                after = events[^1].Sequence;
            }
        }
        catch (Exception e) when (e is ArgumentException or KeyNotFoundException or InvalidOperationException or OverflowException)
        {
            return (null, $"the stored events of session {row.Id} do not fit its stored bytes ({e.Message})");
        }
        catch (UnreadableEventException e)
        {
            return (null, $"a stored event of session {row.Id} cannot be read back ({e.Message})");
        }
        return (builder.Build(row.Id, row.CloseReason == "server-closed"), null);
    }

    /// <summary>A direction's stored bytes, or why they are not all there: literals above the capture cap keep only their start.</summary>
    private static (byte[]? Bytes, string? Problem) Contiguous(EventStore store, long id, Direction direction)
    {
        var segments = store.GetRawSegments(id, direction);
        if (segments.Count == 0) return ([], null);
        if (segments.Count == 1 && segments[0].Offset == 0) return (segments[0].Data, null);
        var stored = segments.Sum(s => (long)s.Data.Length);
        var missing = segments[^1].End - stored;
        return (null, $"{missing:N0} bytes of what the {direction.ToString().ToLowerInvariant()} sent were not stored " +
            "(literals above the capture cap keep only their start; raise --literal-cap to capture them whole)");
    }

    private sealed class Builder(byte[] client, byte[] server)
    {
        private readonly List<ExchangeBuilder> exchanges = [];
        private readonly Dictionary<string, ExchangeBuilder> open = new(StringComparer.Ordinal);
        private readonly List<ResponseFrame> pending = [];
        private readonly List<int> continuationEnds = [];
        private byte[] greeting = [];
        private int serverCursor;
        private ExchangeBuilder? lastCompleted;

        public void Add(EventRow row)
        {
            switch (row.ReadEvent())
            {
                case CommandCompleted completed:
                    if (lastCompleted is { } done && done.Tag == completed.Tag) done.Latency = completed.Latency;
                    break;
                case FrameParsed { Frame: CommandFrame command }:
                    var exchange = new ExchangeBuilder(exchanges.Count, command, client[Range(command)], row.Time);
                    exchanges.Add(exchange);
                    open[command.Tag] = exchange;
                    break;
                case FrameParsed { Frame: ClientLineFrame line } when open.TryGetValue(line.Tag, out var owner):
                    owner.ClientLines.Add(client[Range(line)]);
                    if (line.LineKind == ClientLineKind.IdleDone) owner.IdleFor = row.Time - owner.Time;
                    break;
                case FrameParsed { Frame: ResponseFrame response }:
                    AddResponse(response);
                    break;
                // Only the events a replay is made of matter; an unreadable TLS note or proxy action costs nothing.
                case UnreadableEvent unreadable when row.Type is "frame" or "command-completed" or "session-closed":
                    throw new UnreadableEventException(unreadable.Error);
            }
        }

        private static Range Range(ImapFrame frame) => checked((int)frame.Offset)..checked((int)(frame.Offset + frame.Length));

        private void AddResponse(ResponseFrame frame)
        {
            var offset = checked((int)frame.Offset);
            var end = checked((int)(frame.Offset + frame.Length));
            if (frame.ResponseKind == ResponseKind.Greeting && exchanges.Count == 0)
            {
                greeting = server[..end];
                serverCursor = end;
                return;
            }
            pending.Add(frame);
            if (frame.ResponseKind == ResponseKind.Continuation) continuationEnds.Add(end);
            if (frame.Completes is not { } completes || !open.Remove(completes.Tag, out var exchange)) return;

            var parts = new List<byte[]>();
            var start = serverCursor;
            foreach (var cut in continuationEnds)
            {
                parts.Add(server[start..cut]);
                start = cut;
            }
            parts.Add(server[start..end]);
            exchange.ServerParts = parts;
            exchange.CompletionStart = offset - start;
            exchange.Responses = [.. pending];
            exchange.Status = frame.Status;
            serverCursor = end;
            pending.Clear();
            continuationEnds.Clear();
            lastCompleted = exchange;
        }

        public CapturedSession Build(long id, bool serverClosed) => new(id, greeting,
            exchanges.Select(x => x.Build()).ToList(), server[serverCursor..], serverClosed);
    }

    private sealed class ExchangeBuilder(int index, CommandFrame frame, byte[] command, DateTimeOffset time)
    {
        public string Tag => frame.Tag;
        public DateTimeOffset Time => time;
        public List<byte[]> ClientLines { get; } = [];
        public IReadOnlyList<byte[]> ServerParts { get; set; } = [];
        public int CompletionStart { get; set; }
        public IReadOnlyList<ResponseFrame> Responses { get; set; } = [];
        public ResponseStatus? Status { get; set; }
        public TimeSpan? Latency { get; set; }
        public TimeSpan? IdleFor { get; set; }

        public CapturedExchange Build() => new()
        {
            Index = index, Tag = frame.Tag, Name = frame.Name, Frame = frame, Command = command, ClientLines = ClientLines,
            ServerParts = ServerParts, CompletionStart = CompletionStart, Responses = Responses,
            Status = Status, Latency = Latency, IdleFor = IdleFor, Key = CommandKey.Of(frame),
        };
    }
}

/// <summary>A stored event of the session could not be read back as its record.</summary>
internal sealed class UnreadableEventException(string message) : Exception(message);
