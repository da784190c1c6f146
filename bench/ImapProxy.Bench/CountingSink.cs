using ImapProxy.Protocol;
using ImapProxy.Protocol.Framing;

namespace ImapProxy.Bench;

/// <summary>Counts what the parser hands out and keeps nothing, so the benchmark measures the parser alone.</summary>
internal sealed class CountingSink : IImapSink
{
    public long Frames { get; private set; }
    public long Bytes { get; private set; }
    public long LiteralBytes { get; private set; }
    public long Diagnostics { get; private set; }

    /// <summary>The first few frames that carried a diagnostic or were malformed, for the sanity check.</summary>
    public List<ImapFrame> Flagged { get; } = [];

    public void OnFrame(ImapFrame frame)
    {
        Frames++;
        if (frame.Diagnostics is null && frame is not MalformedFrame) return;
        Diagnostics++;
        if (Flagged.Count < 5) Flagged.Add(frame);
    }

    public void OnBytes(Direction direction, long offset, ReadOnlySpan<byte> bytes, Literal? literal)
    {
        Bytes += bytes.Length;
        if (literal is not null) LiteralBytes += bytes.Length;
    }
}
