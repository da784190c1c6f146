using ImapProxy.Protocol.Diagnostics;
using ImapProxy.Protocol.Framing;
using ImapProxy.Protocol.Session;

namespace ImapProxy.Protocol;

/// <summary>Everything the parser hands to its <see cref="IImapSink"/>, and the frames it builds for it.</summary>
internal sealed class ParserOutput(IImapSink sink, SessionModel model)
{
    private long lastStateVersion = -1;

    public void Frame(ImapFrame frame) => sink.OnFrame(frame);

    public void Bytes(Direction direction, long offset, ReadOnlySpan<byte> bytes, Literal? literal = null) =>
        sink.OnBytes(direction, offset, bytes, literal);

    /// <summary>Passes on '*' in place of a secret's bytes, so every offset stays valid.</summary>
    public void Stars(Direction direction, long offset, int count, Literal? literal)
    {
        Span<byte> stars = stackalloc byte[Math.Min(count, 1024)];
        stars.Fill(Redaction.RawFill);
        while (count > 0)
        {
            var n = Math.Min(count, stars.Length);
            sink.OnBytes(direction, offset, stars[..n], literal);
            offset += n;
            count -= n;
        }
    }

    /// <summary>Passes on bytes that could hold a secret with '*' over all but line breaks, so offsets and lines stay as they were.</summary>
    public void Masked(Direction direction, long offset, ReadOnlySpan<byte> bytes)
    {
        var masked = bytes.ToArray();
        Redaction.Mask(masked);
        sink.OnBytes(direction, offset, masked, null);
    }

    /// <summary>Reports the session's state when a frame changed it.</summary>
    public void StateIfChanged(Direction direction, long offset)
    {
        if (model.Version == lastStateVersion) return;
        lastStateVersion = model.Version;
        Frame(model.Snapshot(direction, offset));
    }

    public static T WithCommon<T>(T frame, FrameContent content) where T : ImapFrame
    {
        // Most frames (a NOOP, its OK) have none of the three: no copy of the record then.
        if (content.Literals.Count == 0 && content.Redactions.Count == 0 && content.Diagnostics.Count == 0
            && frame is { Literals: null, Redactions: null, Diagnostics: null })
            return frame;
        return frame with
        {
            Literals = content.Literals.Count > 0 ? content.Literals.ToArray() : null,
            Redactions = content.Redactions.Count > 0 ? content.Redactions.ToArray() : null,
            Diagnostics = content.Diagnostics.Count > 0 ? content.Diagnostics.ToArray() : null,
        };
    }

    public static ClientLineFrame ClientLine(FrameContent frame, ClientLineKind kind, string text, string tag) =>
        WithCommon(new ClientLineFrame
        {
            Direction = Direction.Client, Offset = frame.Offset, Length = frame.Length,
            LineKind = kind, Text = text, Tag = tag,
        }, frame);

    public static MalformedFrame Malformed(FrameContent frame, long end, string reason, ReadOnlySpan<byte> bytes,
        Diagnostic? diagnostic = null)
    {
        var diagnostics = frame.Diagnostics.ToList();
        diagnostics.Add(diagnostic ?? Rules.Syntax.At(frame.Offset, reason));
        return new MalformedFrame
        {
            Direction = frame.Direction, Offset = frame.Offset, Length = end - frame.Offset,
            Reason = reason, Preview = ByteText.Escape(bytes), Diagnostics = diagnostics,
            // A frame cut short in a literal says how far the literal got.
            Literals = frame.Literals.Count > 0 ? frame.Literals.ToArray() : null,
            Redactions = frame.Redactions.Count > 0 ? frame.Redactions.ToArray() : null,
        };
    }
}
