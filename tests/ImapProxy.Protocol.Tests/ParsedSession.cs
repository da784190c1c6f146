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

    public static ParsedSession FromClient(string text, ImapParserOptions? options = null)
    {
        var session = new ParsedSession();
        using var decoder = new SessionDecoder(session, (options ?? ImapParserOptions.Default) with { Directions = FedDirections.ClientOnly });
        decoder.Feed(Direction.Client, Encoding.UTF8.GetBytes(text));
        decoder.Parser.Complete(Direction.Client);
        return session;
    }
}
