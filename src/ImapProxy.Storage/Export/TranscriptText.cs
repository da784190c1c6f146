using System.Buffers;
using System.Globalization;
using System.Text;

namespace ImapProxy.Storage.Export;

/// <summary>
/// How a transcript line spells its bytes, so that it can be read and still gives back every byte. A line stands
/// for its bytes followed by CRLF; a line that ends in a lone <c>\</c> has no CRLF (a bare LF shows as <c>\n</c>,
/// then the <c>\</c>). Printable ASCII and printable UTF-8 are written as they are, a backslash as <c>\\</c>, CR and
/// LF inside a line as <c>\r</c> and <c>\n</c>, everything else (controls, invalid UTF-8, invisible characters that
/// could hide text) as <c>\xNN</c>. Tabs stay tabs: folded mail headers use them. IMAP is full of backslashes
/// (<c>\Seen</c>, <c>\HasNoChildren</c>), so one is doubled only where it could be read as an escape: before
/// <c>\ r n x</c>, before a byte that is escaped or not ASCII, and at the end of a line.
/// </summary>
internal static class TranscriptText
{
    public static string Line(string prefix, ReadOnlySpan<byte> bytes)
    {
        var builder = new StringBuilder(prefix, prefix.Length + bytes.Length + 8);
        var crlf = bytes.EndsWith("\r\n"u8);
        Escape(crlf ? bytes[..^2] : bytes, builder);
        if (!crlf) builder.Append('\\');
        return builder.Append('\n').ToString();
    }

    /// <summary>A <c>#</c> line; the text is escaped so nothing in it can break the line.</summary>
    public static string Comment(string text)
    {
        var builder = new StringBuilder("# ", text.Length + 3);
        foreach (var c in text) builder.Append(char.IsControl(c) && c != '\t' ? ' ' : c);
        return builder.Append('\n').ToString();
    }

    public static void Escape(ReadOnlySpan<byte> bytes, StringBuilder builder)
    {
        var i = 0;
        while (i < bytes.Length)
        {
            var b = bytes[i];
            if (b < 0x80)
            {
                builder.Append(b switch
                {
                    (byte)'\\' => PlainBackslash(bytes[(i + 1)..]) ? "\\" : "\\\\",
                    (byte)'\r' => "\\r",
                    (byte)'\n' => "\\n",
                    (byte)'\t' => "\t",
                    >= 0x20 and < 0x7F => ((char)b).ToString(),
                    _ => $"\\x{b:X2}",
                });
                i++;
                continue;
            }
            if (Rune.DecodeFromUtf8(bytes[i..], out var rune, out var length) == OperationStatus.Done && IsVisible(rune))
            {
                builder.Append(rune.ToString());
                i += length;
                continue;
            }
            builder.Append($"\\x{b:X2}");
            i++;
        }
    }

    private static bool PlainBackslash(ReadOnlySpan<byte> next) =>
        !next.IsEmpty && next[0] is (>= 0x20 and < 0x7F) or (byte)'\t'
        && next[0] is not ((byte)'\\' or (byte)'r' or (byte)'n' or (byte)'x');

    // Control and format characters (bidi overrides, zero-width joiners) would hide or reorder what a reader sees.
    private static bool IsVisible(Rune rune) => Rune.GetUnicodeCategory(rune) is not (UnicodeCategory.Control or UnicodeCategory.Format
        or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate
        or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned);
}
