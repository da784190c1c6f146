using ImapProxy.Protocol.Framing;

namespace ImapProxy.Protocol;

/// <summary>Receives what <see cref="ImapSessionParser"/> finds. Called synchronously from <c>Feed</c>.</summary>
public interface IImapSink
{
    /// <summary>A complete frame, or a state/transport change derived from one.</summary>
    void OnFrame(ImapFrame frame);

    /// <summary>
    /// The direction's bytes, each exactly once and in stream order, with secrets overwritten by '*'
    /// (same length, so offsets stay valid). <paramref name="literal"/> is set while the bytes are a literal body,
    /// so a caller can cap what it keeps of large literals. Line bytes arrive when their line is complete.
    /// </summary>
    void OnBytes(Direction direction, long offset, ReadOnlySpan<byte> bytes, Literal? literal);
}
