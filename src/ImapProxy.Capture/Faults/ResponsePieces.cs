using ImapProxy.Protocol;

namespace ImapProxy.Capture.Faults;

/// <summary>
/// A whole response cut at its literals: <see cref="Lines"/> are the line parts (each but the last ending in a literal
/// header {n}), <see cref="Bodies"/> the literal bodies between them. Edits replace pieces; the framing stays readable.
/// </summary>
internal sealed record ResponsePieces(IReadOnlyList<byte[]> Lines, IReadOnlyList<byte[]> Bodies)
{
    /// <summary>Cuts a frame's bytes (<paramref name="bytes"/> starts at the frame's offset) where its literals lie.</summary>
    public static ResponsePieces Of(ImapFrame frame, ReadOnlySpan<byte> bytes)
    {
        var lines = new List<byte[]>();
        var bodies = new List<byte[]>();
        var position = 0L;
        foreach (var literal in frame.Literals ?? [])
        {
            // Literal positions come from our parser; still, bytes outside the frame are never trusted.
            var start = literal.Offset - frame.Offset;
            if (start < position || start + literal.Length > bytes.Length) break;
            lines.Add(bytes[(int)position..(int)start].ToArray());
            bodies.Add(bytes[(int)start..(int)(start + literal.Length)].ToArray());
            position = start + literal.Length;
        }
        lines.Add(bytes[(int)position..].ToArray());
        return new ResponsePieces(lines, bodies);
    }

    public byte[] ToBytes()
    {
        var output = new byte[Lines.Sum(l => l.Length) + Bodies.Sum(b => b.Length)];
        var position = 0;
        for (var i = 0; i < Lines.Count; i++)
        {
            Lines[i].CopyTo(output, position);
            position += Lines[i].Length;
            if (i >= Bodies.Count) continue;
            Bodies[i].CopyTo(output, position);
            position += Bodies[i].Length;
        }
        return output;
    }
}
