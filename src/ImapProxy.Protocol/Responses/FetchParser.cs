using ImapProxy.Protocol.Commands;
using ImapProxy.Protocol.Diagnostics;
using ImapProxy.Protocol.Syntax;

namespace ImapProxy.Protocol.Responses;

/// <summary>msg-att of an untagged FETCH (RFC 3501 §7.4.2, RFC 3516 BINARY, RFC 7162 MODSEQ).</summary>
internal static class FetchParser
{
    public static FetchData Parse(ulong sequenceNumber, ImapList items, ArgumentReader outer)
    {
        var a = new ArgumentReader(items.Items, outer.Frame);
        // Locals first, one record at the end: FETCH lines come by the ten thousand.
        ulong? uid = null, size = null, modSeq = null;
        IReadOnlyList<string>? flags = null;
        string? internalDate = null;
        Envelope? envelope = null;
        BodyPart? bodyStructure = null, body = null;
        List<BodySection>? sections = null;
        Dictionary<string, ulong>? binarySizes = null;
        Dictionary<string, ImapValue>? other = null;

        for (var i = 0; i + 1 < a.Count; i += 2)
        {
            var item = ArgumentReader.Text(a[i]);
            var attribute = CommandParser.FetchAttributeOf(item);
            var value = a[i + 1];
            switch (attribute.Name)
            {
                case "UID" when value.TryGetNumber(out var number):
                    uid = number;
                    break;
                case "RFC822.SIZE" when value.TryGetNumber(out var number):
                    size = number;
                    break;
                case "FLAGS" when value is ImapList list:
                    flags = UntaggedData.Texts(list);
                    break;
                case "INTERNALDATE":
                    internalDate = value.AsText();
                    break;
                case "MODSEQ" when value is ImapList { Items: [var m] } && m.TryGetNumber(out var number):
                    modSeq = number;
                    break;
                case "MODSEQ" when value is ImapList { Items: [ImapAtom { Text: ['-', _, ..] } negative] } && long.TryParse(negative.Text, out _):
                    // A typed MODSEQ is positive (RFC 7162): a negative one stays among the untyped items, as sent.
                    a.Frame.Report(Rules.NegativeModSeq, negative.Start, negative.Text);
                    (other ??= new(StringComparer.OrdinalIgnoreCase))[item] = value;
                    break;
                case "ENVELOPE" when value is ImapList list:
                    envelope = EnvelopeParser.Parse(list, a);
                    break;
                case "BODYSTRUCTURE" when value is ImapList list:
                    bodyStructure = BodyStructureParser.Parse(list, a);
                    break;
                case "BODY" when attribute.Section is null && value is ImapList list:
                    body = BodyStructureParser.Parse(list, a);
                    break;
                case "BODY" or "BINARY" or "RFC822" or "RFC822.HEADER" or "RFC822.TEXT" when value is ImapString or ImapNil:
                    (sections ??= []).Add(SectionOf(item, attribute, value));
                    break;
                case "BINARY.SIZE" when value.TryGetNumber(out var number):
                    (binarySizes ??= new())[attribute.Section ?? ""] = number;
                    break;
                default:
                    if (IsTyped(attribute.Name)) a.Bad<ResponseData>();
                    (other ??= new(StringComparer.OrdinalIgnoreCase))[item] = value;
                    break;
            }
        }
        if (a.Count % 2 != 0)
        {
            // "BODY[1]" with nothing after it, at the end of the list: a section whose value the server left out.
            var last = ArgumentReader.Text(a[a.Count - 1]);
            var attribute = CommandParser.FetchAttributeOf(last);
            if (attribute is { Name: "BODY" or "BINARY", Section: not null } && a[a.Count - 1] is ImapAtom)
            {
                a.Frame.Report(Rules.SectionWithoutValue, a[a.Count - 1].Start, last);
                (sections ??= []).Add(SectionOf(last, attribute, ImapNil.Instance));
            }
            else
            {
                a.Bad<ResponseData>();
            }
        }
        if (a.Malformed) outer.Bad<ResponseData>();
        return new FetchData(sequenceNumber)
        {
            Uid = uid, Rfc822Size = size, ModSeq = modSeq, Flags = flags, InternalDate = internalDate, Envelope = envelope,
            BodyStructure = bodyStructure, Body = body, Sections = sections, BinarySizes = binarySizes, Other = other,
        };
    }

    /// <summary>Items whose value had the wrong shape when they fall through to the default branch.</summary>
    private static bool IsTyped(string name) =>
        name is "UID" or "RFC822.SIZE" or "FLAGS" or "MODSEQ" or "ENVELOPE" or "BODYSTRUCTURE" or "BINARY.SIZE"
            or "BODY" or "BINARY" or "RFC822" or "RFC822.HEADER" or "RFC822.TEXT";

    /// <summary>A section's value is an nstring (RFC 3501 §9 msg-att-static): a literal, a quoted string or NIL.</summary>
    private static BodySection SectionOf(string item, FetchAttribute attribute, ImapValue value)
    {
        // "BODY[]<origin>": the origin is the partial's start octet (RFC 3501 §7.4.2).
        ulong? origin = attribute.Partial is { } p && ImapValue.TryParseNumber(p, out var o) ? o : null;
        var section = new BodySection(item, attribute.Section ?? "", origin);
        return value switch
        {
            ImapString { Literal: { } literal } => section with { Literal = literal, Size = literal.Length },
            ImapString quoted => section with { Text = quoted.Text, Size = quoted.Bytes.Length },
            _ => section with { Nil = true },
        };
    }
}
