using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ImapProxy.Protocol;

namespace ImapProxy.Capture.Faults;

/// <summary>
/// The byte edits of the actions that alter a response, each a pure function: null when the response has nothing
/// the action applies to. Line parts are edited as Latin-1 text, so every byte outside the edit stays as it was.
/// </summary>
internal static partial class ResponseEdits
{
    /// <summary>The tagged completion with another status (RFC 3501 §7.1); the original status is said in the text.</summary>
    public static ResponsePieces? Status(ResponsePieces pieces, ResponseFrame frame, StatusFault fault)
    {
        if (frame is not { ResponseKind: ResponseKind.Tagged, Tag: { } tag, Status: { } status }) return null;
        var text = fault.Text ?? $"ImapProxy fault: the server answered {status.ToString().ToUpperInvariant()} and ran the command";
        return new ResponsePieces([Latin1($"{tag} {fault.Status.ToString().ToUpperInvariant()} {text}\r\n")], []);
    }

    /// <summary>The list of an untagged CAPABILITY (RFC 3501 §7.2.1) or of a [CAPABILITY …] code (§7.1), edited.</summary>
    public static ResponsePieces? Capability(ResponsePieces pieces, CapabilityFault fault)
    {
        var line = Text(pieces.Lines[0]);
        int start, end;
        var code = line.IndexOf("[CAPABILITY ", StringComparison.OrdinalIgnoreCase);
        if (code >= 0)
        {
            start = code + "[CAPABILITY ".Length;
            end = line.IndexOf(']', start);
        }
        else if (line.StartsWith("* CAPABILITY ", StringComparison.OrdinalIgnoreCase) && line.EndsWith("\r\n", StringComparison.Ordinal))
        {
            start = "* CAPABILITY ".Length;
            end = line.Length - 2;
        }
        else return null;
        if (end < start) return null;
        var names = line[start..end].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        var known = names.Any(n => n.Equals(fault.Name, StringComparison.OrdinalIgnoreCase));
        if (fault.Edit == CapabilityEdit.Drop && !known || fault.Edit == CapabilityEdit.Add && known) return null;
        if (fault.Edit == CapabilityEdit.Drop) names.RemoveAll(n => n.Equals(fault.Name, StringComparison.OrdinalIgnoreCase));
        else names.Add(fault.Name);
        return WithLine(pieces, 0, line[..start] + string.Join(' ', names) + line[end..]);
    }

    /// <summary>Every RFC822.SIZE of a FETCH response (RFC 3501 §7.4.2), changed; literal bodies are left alone.</summary>
    public static ResponsePieces? Rfc822Size(ResponsePieces pieces, Rfc822SizeFault fault)
    {
        var changed = false;
        var lines = pieces.Lines.Select(bytes =>
        {
            var edited = SizeItem().Replace(Text(bytes), m =>
            {
                if (!long.TryParse(m.Groups[2].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var size)) return m.Value;
                changed = true;
                return m.Groups[1].Value + fault.Change.Apply(size).ToString(CultureInfo.InvariantCulture);
            });
            return Latin1(edited);
        }).ToList();
        return changed ? pieces with { Lines = lines } : null;
    }

    /// <summary>Literals longer than the length cut to it, their {n} headers made to match (RFC 3501 §4.3).</summary>
    public static ResponsePieces? TruncateLiterals(ResponsePieces pieces, LiteralTruncateFault fault)
    {
        var lines = pieces.Lines.ToList();
        var bodies = pieces.Bodies.ToList();
        var changed = false;
        for (var i = 0; i < bodies.Count; i++)
        {
            if (bodies[i].Length <= fault.Length) continue;
            var header = Text(lines[i]);
            var open = header.LastIndexOf('{');
            var digitsEnd = open < 0 ? -1 : header.IndexOfAny(['}', '+'], open);
            if (digitsEnd < 0) continue;
            lines[i] = Latin1(header[..(open + 1)] + fault.Length.ToString(CultureInfo.InvariantCulture) + header[digitsEnd..]);
            bodies[i] = bodies[i][..(int)fault.Length];
            changed = true;
        }
        return changed ? new ResponsePieces(lines, bodies) : null;
    }

    /// <summary>Each literal byte complemented: the length stays, the framing holds, the content is garbage.</summary>
    public static ResponsePieces? CorruptLiterals(ResponsePieces pieces)
    {
        if (pieces.Bodies.All(b => b.Length == 0)) return null;
        return pieces with { Bodies = pieces.Bodies.Select(b => b.Select(x => (byte)~x).ToArray()).ToList() };
    }

    private static ResponsePieces WithLine(ResponsePieces pieces, int index, string line)
    {
        var lines = pieces.Lines.ToList();
        lines[index] = Latin1(line);
        return pieces with { Lines = lines };
    }

    private static string Text(byte[] bytes) => Encoding.Latin1.GetString(bytes);

    private static byte[] Latin1(string text) => Encoding.Latin1.GetBytes(text);

    [GeneratedRegex(@"(RFC822\.SIZE )([0-9]{1,19})", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SizeItem();
}
