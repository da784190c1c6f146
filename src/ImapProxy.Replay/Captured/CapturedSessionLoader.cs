using System.Text.Json;
using ImapProxy.Protocol;
using ImapProxy.Storage;
using ImapProxy.Storage.Sqlite;

namespace ImapProxy.Replay.Captured;

/// <summary>Reads a stored session back as a <see cref="CapturedSession"/>: its events in order, sliced out of its raw streams.</summary>
public static class CapturedSessionLoader
{
    private const int Page = 5_000;

    /// <summary>The session, or why it cannot be read whole (see <see cref="ReplayCheck"/> for the rest of the checks).</summary>
    public static (CapturedSession? Session, string? Problem) Load(SqliteEventStore store, SessionRow row)
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
        catch (Exception e) when (e is ArgumentException or KeyNotFoundException or InvalidOperationException or JsonException)
        {
            return (null, $"the stored events of session {row.Id} do not fit its stored bytes ({e.Message})");
        }
        try
        {
            return (builder.Build(row.Id, row.CloseReason == "server-closed"), null);
        }
        catch (JsonException e)
        {
            return (null, $"a stored command of session {row.Id} cannot be read back ({e.Message})");
        }
    }

    /// <summary>A direction's stored bytes, or why they are not all there: literals above the capture cap keep only their start.</summary>
    private static (byte[]? Bytes, string? Problem) Contiguous(SqliteEventStore store, long id, Direction direction)
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
        private readonly List<JsonElement> pending = [];
        private readonly List<int> continuationEnds = [];
        private byte[] greeting = [];
        private int serverCursor;
        private ExchangeBuilder? lastCompleted;

        public void Add(EventRow e)
        {
            if (e.Type == "command-completed")
            {
                if (lastCompleted is { } done && done.Tag == e.Tag) done.Latency = e.Latency;
                return;
            }
            if (e.Type != "frame") return;
            using var document = JsonDocument.Parse(e.Json, FrameJson.DocumentOptions);
            var frame = document.RootElement.GetProperty("frame").Clone();
            var offset = (int)frame.GetProperty("offset").GetInt64();
            var length = (int)frame.GetProperty("length").GetInt64();
            switch (e.Kind)
            {
                case "command":
                    var exchange = new ExchangeBuilder(exchanges.Count, e.Tag ?? "", e.Name ?? "", frame, client[offset..(offset + length)], e.Time);
                    exchanges.Add(exchange);
                    open[exchange.Tag] = exchange;
                    break;
                case "client-line" when e.Tag is { } tag && open.TryGetValue(tag, out var owner):
                    owner.ClientLines.Add(client[offset..(offset + length)]);
                    if (frame.GetProperty("lineKind").GetString() == "idle-done") owner.IdleFor = e.Time - owner.Time;
                    break;
                case "response":
                    AddResponse(frame, offset, length);
                    break;
            }
        }

        private void AddResponse(JsonElement frame, int offset, int length)
        {
            var end = offset + length;
            var kind = frame.GetProperty("responseKind").GetString();
            if (kind == "greeting" && exchanges.Count == 0)
            {
                greeting = server[..end];
                serverCursor = end;
                return;
            }
            pending.Add(frame);
            if (kind == "continuation") continuationEnds.Add(end);
            if (!frame.TryGetProperty("completes", out var completes)
                || !open.Remove(completes.GetProperty("tag").GetString() ?? "", out var exchange)) return;

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
            exchange.Status = frame.TryGetProperty("status", out var status) ? status.GetString() : null;
            serverCursor = end;
            pending.Clear();
            continuationEnds.Clear();
            lastCompleted = exchange;
        }

        public CapturedSession Build(long id, bool serverClosed) => new(id, greeting,
            exchanges.Select(x => x.Build()).ToList(), server[serverCursor..], serverClosed);
    }

    private sealed class ExchangeBuilder(int index, string tag, string name, JsonElement frame, byte[] command, DateTimeOffset time)
    {
        public string Tag => tag;
        public DateTimeOffset Time => time;
        public List<byte[]> ClientLines { get; } = [];
        public IReadOnlyList<byte[]> ServerParts { get; set; } = [];
        public int CompletionStart { get; set; }
        public IReadOnlyList<JsonElement> Responses { get; set; } = [];
        public string? Status { get; set; }
        public TimeSpan? Latency { get; set; }
        public TimeSpan? IdleFor { get; set; }

        public CapturedExchange Build() => new()
        {
            Index = index, Tag = tag, Name = name, Frame = frame, Command = command, ClientLines = ClientLines,
            ServerParts = ServerParts, CompletionStart = CompletionStart, Responses = Responses,
            Status = Status, Latency = Latency, IdleFor = IdleFor, Key = CommandKey.Of(frame),
        };
    }
}
