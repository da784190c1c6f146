using System.Text;
using ImapProxy.Protocol;

namespace ImapProxy.Bench;

/// <summary>One direction's bytes of one step of a conversation (a command, or the server's answer to it).</summary>
internal sealed record Step(Direction Direction, byte[] Bytes);

/// <summary>A whole session as the relay would see it: steps in conversation order, both directions.</summary>
internal sealed class RecordedSession
{
    /// <summary>What the relay reads from a socket at once (ProxySession.BufferSize).</summary>
    public const int ChunkSize = 16 * 1024;

    private readonly List<Step> steps = [];

    public IReadOnlyList<Step> Steps => steps;

    public long TotalBytes { get; private set; }

    public long ServerBytes { get; private set; }

    public RecordedSession Client(string line) => Add(Direction.Client, Encoding.ASCII.GetBytes(line + "\r\n"));

    public RecordedSession Server(string line) => Add(Direction.Server, Encoding.ASCII.GetBytes(line + "\r\n"));

    public RecordedSession Add(Direction direction, byte[] bytes)
    {
        steps.Add(new Step(direction, bytes));
        TotalBytes += bytes.Length;
        if (direction == Direction.Server) ServerBytes += bytes.Length;
        return this;
    }

    /// <summary>Feeds every step in chunks of at most <see cref="ChunkSize"/>, as the relay's pumps do.</summary>
    public void FeedTo(ImapSessionParser parser)
    {
        foreach (var step in steps)
        {
            var bytes = step.Bytes.AsSpan();
            for (var i = 0; i < bytes.Length; i += ChunkSize)
            {
                var chunk = bytes.Slice(i, Math.Min(ChunkSize, bytes.Length - i));
                var taken = parser.Feed(step.Direction, chunk);
                if (taken != chunk.Length) throw new InvalidOperationException("the parser stopped at a transport boundary");
            }
        }
        parser.Complete(Direction.Client);
        parser.Complete(Direction.Server);
    }
}
