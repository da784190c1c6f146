using System.Text;
using ImapProxy.Protocol;
using ImapProxy.Protocol.Decoding;
using ImapProxy.Protocol.Framing;

namespace ImapProxy.Protocol.Tests;

/// <summary>Collects what the parser emits for a session fed in one go or in chunks.</summary>
internal sealed class ParsedSession : IImapSink
{
    private readonly MemoryStream client = new();
    private readonly MemoryStream server = new();

    public List<ImapFrame> Frames { get; } = [];

    public string ClientText => Encoding.UTF8.GetString(client.ToArray());
    public string ServerText => Encoding.UTF8.GetString(server.ToArray());
    public byte[] ClientBytes => client.ToArray();
    public byte[] ServerBytes => server.ToArray();

    public string Json => string.Join("\n", Frames.Select(FrameJson.Serialize));

    public void OnFrame(ImapFrame frame) => Frames.Add(frame);

    public void OnBytes(Direction direction, long offset, ReadOnlySpan<byte> bytes, Literal? literal)
    {
        var stream = direction == Direction.Client ? client : server;
        // Every byte exactly once, in order: the offset must be where the stream is.
        if (offset != stream.Length) throw new InvalidOperationException($"{direction} bytes at {offset}, expected {stream.Length}");
        stream.Write(bytes);
    }

    /// <summary>Feeds a conversation, each step cut into chunks of the given sizes (whole steps when null).</summary>
    public static ParsedSession Run(IReadOnlyList<Step> steps, Func<int, IEnumerable<int>>? chunking = null, ImapParserOptions? options = null,
        CompressedInput compressedInput = CompressedInput.Inflate)
    {
        var session = new ParsedSession();
        using var decoder = new SessionDecoder(session, options, compressedInput);
        byte[] heldClient = [];
        foreach (var step in steps)
        {
            var bytes = step.Direction == Direction.Client ? [.. heldClient, .. step.Bytes] : step.Bytes;
            if (step.Direction == Direction.Client) heldClient = [];
            var position = 0;
            foreach (var size in chunking?.Invoke(bytes.Length) ?? [bytes.Length])
            {
                var chunk = bytes.AsSpan(position, Math.Min(size, bytes.Length - position));
                position += chunk.Length;
                var taken = 0;
                while (taken < chunk.Length)
                {
                    var n = decoder.Feed(step.Direction, chunk[taken..]);
                    taken += n;
                    if (n == 0 && taken < chunk.Length)
                    {
                        // The client waits for the server's answer to STARTTLS: offer the rest after it.
                        heldClient = [.. chunk[taken..], .. bytes.AsSpan(position)];
                        position = bytes.Length;
                        break;
                    }
                }
                if (position >= bytes.Length) break;
            }
        }
        decoder.Complete(Direction.Client);
        decoder.Complete(Direction.Server);
        return session;
    }

    public static ParsedSession FromClient(string text, ImapParserOptions? options = null)
    {
        var session = new ParsedSession();
        using var decoder = new SessionDecoder(session, (options ?? ImapParserOptions.Default) with { Directions = FedDirections.ClientOnly });
        decoder.Feed(Direction.Client, Encoding.UTF8.GetBytes(text));
        decoder.Complete(Direction.Client);
        return session;
    }
}
