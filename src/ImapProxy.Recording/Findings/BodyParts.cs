using ImapProxy.Protocol.Responses;

namespace ImapProxy.Recording.Findings;

/// <summary>Part numbers of BODYSTRUCTURE as BODY[section] names them (RFC 3501 §6.4.5).</summary>
public static class BodyParts
{
    /// <summary>"1", "2.1.3": a part specifier without a HEADER/TEXT/MIME suffix.</summary>
    public static bool IsPartNumber(string section) =>
        section.Length > 0 && section.All(c => c is >= '0' and <= '9' or '.') && !section.StartsWith('.') && !section.EndsWith('.') && !section.Contains("..");

    /// <summary>
    /// The part a specifier names. A single-part message has one part, numbered 1; the parts of a multipart are
    /// numbered from 1; inside a message/rfc822 part, numbers continue into the encapsulated message's body.
    /// </summary>
    public static BodyPart? Find(BodyPart root, string section)
    {
        var part = root;
        var first = true;
        foreach (var text in section.Split('.'))
        {
            if (!int.TryParse(text, out var n) || n < 1) return null;
            if (!first && part.Message is { } inner) part = inner;
            first = false;
            if (part.Parts is { } parts)
            {
                if (n > parts.Count) return null;
                part = parts[n - 1];
            }
            else if (n != 1)
            {
                return null;
            }
        }
        return part;
    }
}
