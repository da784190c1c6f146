using System.Text;
using ImapProxy.Protocol.Diagnostics;
using ImapProxy.Protocol.Framing;

namespace ImapProxy.Protocol.Syntax;

/// <summary>
/// Reads IMAP's generic syntax (RFC 3501 §4, §9) out of an assembled frame: atoms, quoted strings, literals,
/// NIL and lists. Never throws: a syntax error stops reading and is kept in <see cref="Error"/>.
/// Tolerates what real servers send (extra spaces, unescaped quotes, 8-bit bytes) and reports it.
/// </summary>
internal sealed class FrameReader
{
    private readonly FrameContent frame;
    private readonly int maxDepth;
    private int literalIndex;

    public FrameReader(FrameContent frame, int maxDepth)
    {
        this.frame = frame;
        this.maxDepth = maxDepth;
    }

    public FrameContent Frame => frame;
    public int Position { get; set; }
    public string? Error { get; private set; }
    public int ErrorPosition { get; private set; }

    private ReadOnlySpan<byte> Content => frame.Content;

    public bool AtEnd => Position >= frame.ContentLength;

    public bool Failed => Error is not null;

    public bool Fail(string reason, int? position = null)
    {
        if (Error is null)
        {
            Error = reason;
            ErrorPosition = position ?? Position;
        }
        return false;
    }

    /// <summary>Skips the single space between tokens; reports (and tolerates) runs of spaces.</summary>
    public bool SkipSpace()
    {
        if (AtEnd || Content[Position] != (byte)' ') return false;
        var start = Position;
        while (!AtEnd && Content[Position] == (byte)' ') Position++;
        if (Position - start > 1) frame.Report(Rules.ExtraSpace, start);
        return true;
    }

    public byte Peek() => AtEnd ? (byte)0 : Content[Position];

    /// <summary>Reads an atom-like token (tag, command name, keyword) without brackets; empty when none.</summary>
    public string ReadWord()
    {
        var start = Position;
        while (!AtEnd && IsAtomChar(Content[Position]) && Content[Position] != (byte)'[') Position++;
        return Encoding.ASCII.GetString(Content[start..Position]);
    }

    /// <summary>The rest of the line as text (resp-text, base64 payloads), decoded as UTF-8.</summary>
    public string ReadRestAsText()
    {
        var text = Content[Position..];
        Position = frame.ContentLength;
        return Encoding.UTF8.GetString(text);
    }

    /// <summary>Reads values separated by spaces up to the end of the line (or a closing bracket when asked).</summary>
    public List<ImapValue> ReadValuesToEnd(byte stopAt = 0)
    {
        var values = new List<ImapValue>();
        while (!AtEnd && !Failed)
        {
            if (stopAt != 0 && Peek() == stopAt) break;
            if (values.Count > 0 && !SkipSpace())
            {
                // Two tokens glued together, e.g. `)(`: tolerate as a missing space.
                if (Peek() == (byte)')') { Fail("unbalanced ')'"); break; }
            }
            if (AtEnd || (stopAt != 0 && Peek() == stopAt)) break;
            var value = ReadValue(0);
            if (value is null) break;
            values.Add(value);
        }
        return values;
    }

    private ImapValue? ReadValue(int depth)
    {
        if (AtEnd) { Fail("expected a value, found the end of the line"); return null; }
        var start = Position;
        var b = Content[Position];
        switch (b)
        {
            case (byte)'(':
                return ReadList(depth);
            case (byte)'"':
                return ReadQuoted();
            case (byte)'{':
                return ReadLiteral(start);
            case (byte)'~' when Position + 1 < frame.ContentLength && Content[Position + 1] == (byte)'{':
                Position++;
                return ReadLiteral(start);
            case (byte)')':
                Fail("unexpected ')'");
                return null;
            default:
                return ReadAtom(start);
        }
    }

    private ImapList? ReadList(int depth)
    {
        var start = Position;
        if (depth >= maxDepth)
        {
            frame.Report(Rules.NestingTooDeep, start);
            Fail("lists nested too deep");
            return null;
        }
        Position++; // (
        var items = new List<ImapValue>();
        while (true)
        {
            if (AtEnd) { Fail("list not closed before the end of the line", start); return null; }
            var b = Content[Position];
            if (b == (byte)')') { Position++; break; }
            if (b == (byte)' ')
            {
                SkipSpace();
                continue;
            }
            var item = ReadValue(depth + 1);
            if (item is null) return null;
            items.Add(item);
        }
        return new ImapList(items) { Start = start, End = Position };
    }

    private ImapString? ReadQuoted()
    {
        var start = Position;
        var diagnostics = frame.Diagnostics.Count;
        var value = ReadQuoted(tolerateInnerQuotes: true);
        if (value is not null || Error is not null) return value;
        // The tolerant reading ran off the end of the line: read strictly instead, forgetting what it reported.
        frame.Diagnostics.RemoveRange(diagnostics, frame.Diagnostics.Count - diagnostics);
        Position = start;
        return ReadQuoted(tolerateInnerQuotes: false) ?? FailQuoted(start);
    }

    private ImapString? FailQuoted(int start)
    {
        Fail("quoted string not closed before the end of the line", start);
        return null;
    }

    /// <summary>
    /// Reads a quoted string. iCloud sends unescaped quotes inside quoted strings ("Re: the "big" plan"): a
    /// quote followed by something that cannot follow a string opens an inner pair, and the next quote closes
    /// that pair whatever follows it. Returns null, without failing, when the line ends inside the string.
    /// </summary>
    private ImapString? ReadQuoted(bool tolerateInnerQuotes)
    {
        var start = Position;
        if (ReadPlainQuoted(start) is { } plain) return plain;
        Position++;
        var bytes = new List<byte>();
        var has8Bit = false;
        var innerOpen = false;
        while (true)
        {
            if (AtEnd) return null;
            var b = Content[Position];
            if (b == (byte)'\\' && Position + 1 < frame.ContentLength)
            {
                bytes.Add(Content[Position + 1]);
                Position += 2;
                continue;
            }
            if (b == (byte)'"')
            {
                var next = Position + 1 < frame.ContentLength ? Content[Position + 1] : (byte)' ';
                var mayEnd = next is (byte)' ' or (byte)')' or (byte)']' or (byte)'\r' or (byte)'\n';
                if (innerOpen || (tolerateInnerQuotes && !mayEnd))
                {
                    innerOpen = !innerOpen;
                    frame.Report(Rules.UnescapedQuote, Position);
                }
                else if (mayEnd || !tolerateInnerQuotes)
                {
                    Position++;
                    break;
                }
            }
            if (b == (byte)'\r' || b == (byte)'\n') { Fail("line break inside a quoted string"); return null; }
            if (b >= 0x80) has8Bit = true;
            bytes.Add(b);
            Position++;
        }
        if (has8Bit) frame.Report(Rules.Quoted8Bit, start);
        return new ImapString(bytes.ToArray(), null) { Start = start, End = Position };
    }

    /// <summary>The common case, read in one pass: no escapes, no line break, and a closing quote that may end a string.</summary>
    private ImapString? ReadPlainQuoted(int start)
    {
        var body = Content[(start + 1)..];
        var end = body.IndexOfAny((byte)'"', (byte)'\\', (byte)'\r');
        if (end < 0 || body[end] != (byte)'"' || body[..end].Contains((byte)'\n')) return null;
        var next = end + 1 < body.Length ? body[end + 1] : (byte)' ';
        if (next is not ((byte)' ' or (byte)')' or (byte)']')) return null;
        var text = body[..end];
        if (text.IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0) frame.Report(Rules.Quoted8Bit, start);
        Position = start + end + 2;
        return new ImapString(text.ToArray(), null) { Start = start, End = Position };
    }

    private ImapValue? ReadLiteral(int start)
    {
        if (!TryLiteralHeaderAt(Position, out var bodyPosition)) return ReadAtom(start);
        var literal = frame.Literals[literalIndex++];
        Position = bodyPosition;
        return new ImapString(literal.Content, literal) { Start = start, End = Position };
    }

    /// <summary>
    /// True when the next literal of the frame starts right after a header at <paramref name="position"/>.
    /// The framer only ends a segment at a well-formed <c>{n}</c> header, so a brace anywhere else is text.
    /// </summary>
    private bool TryLiteralHeaderAt(int position, out int bodyPosition)
    {
        bodyPosition = 0;
        if (literalIndex >= frame.Literals.Count) return false;
        var close = Content[position..].IndexOf((byte)'}');
        if (close < 0) return false;
        var afterBrace = position + close + 1;
        var terminator = afterBrace < frame.LineLength && frame.Line[afterBrace] == (byte)'\r' ? 2 : 1;
        bodyPosition = afterBrace + terminator;
        return frame.LiteralLinePositions[literalIndex] == bodyPosition;
    }

    private ImapValue? ReadAtom(int start)
    {
        Position = start;
        while (!AtEnd)
        {
            var b = Content[Position];
            if (b == (byte)'[')
            {
                // A section such as BODY[HEADER.FIELDS (FROM)]; without its ']' the '[' is an ordinary ATOM-CHAR (RFC 3501 §9).
                if (!SkipSection()) Position++;
                continue;
            }
            if (!IsAtomChar(b)) break;
            Position++;
        }
        if (Position == start)
        {
            Fail($"unexpected character 0x{Content[Position]:X2}");
            return null;
        }
        var bytes = Content[start..Position];
        if (Ascii.EqualsIgnoreCase(bytes, "NIL"u8)) return ImapNil.Instance with { Start = start, End = Position };
        return new ImapAtom(Encoding.UTF8.GetString(bytes)) { Start = start, End = Position };
    }

    /// <summary>Skips a bracketed section such as <c>[HEADER.FIELDS (FROM "TO")]</c>, part of a fetch attribute atom.</summary>
    private bool SkipSection()
    {
        var start = Position;
        var literalsBefore = literalIndex;
        var depth = 0;
        var quoted = false;
        for (; !AtEnd; Position++)
        {
            var b = Content[Position];
            if (quoted)
            {
                if (b == (byte)'\\') Position++;
                else if (b == (byte)'"') quoted = false;
                continue;
            }
            switch (b)
            {
                case (byte)'"': quoted = true; break;
                case (byte)'[': depth++; break;
                case (byte)']':
                    if (--depth == 0) { Position++; return true; }
                    break;
                case (byte)'{' when TryLiteralHeaderAt(Position, out var bodyPosition):
                    // A literal inside a section (a header name sent as a literal): step over it.
                    literalIndex++;
                    Position = bodyPosition - 1;
                    break;
            }
        }
        Position = start;
        literalIndex = literalsBefore;
        return false;
    }

    /// <summary>ATOM-CHAR of RFC 3501 §9, widened to what servers send: list wildcards, '\' of flags, 8-bit bytes.</summary>
    public static bool IsAtomChar(byte b) =>
        b > 0x20 && b != 0x7F && b is not ((byte)'(' or (byte)')' or (byte)'"' or (byte)']');
}
