using ImapProxy.Protocol.Commands;
using ImapProxy.Protocol.Diagnostics;
using ImapProxy.Protocol.Syntax;

namespace ImapProxy.Protocol.Responses;

/// <summary>
/// BODY / BODYSTRUCTURE (RFC 3501 §7.4.2, §9 body) into a MIME tree, tolerating what real servers send:
/// NIL encodings (Exchange), a string where the disposition list belongs (Exchange), multiparts without
/// parts (Gmail). Recursion is bounded by the tokenizer's nesting limit.
/// </summary>
internal static class BodyStructureParser
{
    public static BodyPart? Parse(ImapList list, ArgumentReader context)
    {
        var items = list.Items;
        if (items.Count == 0)
        {
            Report(context, list, "empty body");
            return null;
        }
        return items[0] is ImapList ? Multipart(list, context) : Single(list, context);
    }

    private static BodyPart? Multipart(ImapList list, ArgumentReader context)
    {
        // body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
        var items = list.Items;
        var parts = new List<BodyPart>();
        var i = 0;
        for (; i < items.Count && items[i] is ImapList child; i++)
        {
            if (Parse(child, context) is { } part) parts.Add(part);
        }
        var subtype = i < items.Count ? items[i++].AsText() ?? "" : "";
        // body-ext-mpart = body-fld-param [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]]
        var parameters = i < items.Count ? Parameters(items[i++], context) : null;
        var extensions = Extensions(items, i, context);
        return new BodyPart("MULTIPART", CommandParser.Upper(subtype))
        {
            Parts = parts, Parameters = parameters, Disposition = extensions.Disposition, Language = extensions.Language,
            Location = extensions.Location, Extensions = extensions.Rest,
        };
    }

    private static BodyPart? Single(ImapList list, ArgumentReader context)
    {
        var items = list.Items;
        if (items.Count == 1 && items[0] is ImapString subtypeOnly)
        {
            // Gmail: ("ALTERNATIVE") for a multipart without parts.
            context.Frame.Report(Rules.EmptyMultipart, list.Start);
            return new BodyPart("MULTIPART", CommandParser.Upper(subtypeOnly.Text ?? "")) { Parts = [] };
        }
        if (items.Count < 7)
        {
            Report(context, list, $"{items.Count} fields, a single part has at least 7");
            return null;
        }
        // body-type-1part: type subtype params id description encoding size
        var type = CommandParser.Upper(items[0].AsText() ?? "");
        var subtype = CommandParser.Upper(items[1].AsText() ?? "");
        if (items[5] is ImapNil) context.Frame.Report(Rules.NilBodyEncoding, items[5].Start);
        Envelope? envelope = null;
        BodyPart? message = null;
        ulong? lines = null;
        var i = 7;
        if (type == "MESSAGE" && subtype is "RFC822" or "GLOBAL" && items.Count >= 10 && items[7] is ImapList envelopeList)
        {
            // body-type-msg: ... envelope body body-fld-lines
            envelope = EnvelopeParser.Parse(envelopeList, context);
            message = items[8] is ImapList inner ? Parse(inner, context) : null;
            lines = Number(items[9], context);
            i = 10;
        }
        else if (type == "TEXT" && items.Count > 7)
        {
            lines = Number(items[7], context);
            i = 8;
        }
        // body-ext-1part = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]]
        var md5 = i < items.Count ? items[i++].AsText() : null;
        var extensions = Extensions(items, i, context);
        return new BodyPart(type, subtype)
        {
            Parameters = Parameters(items[2], context),
            Id = items[3].AsText(),
            Description = items[4].AsText(),
            Encoding = items[5].AsText() is { } encoding ? CommandParser.Upper(encoding) : null,
            Size = Number(items[6], context),
            Envelope = envelope, Message = message, Lines = lines, Md5 = md5,
            Disposition = extensions.Disposition, Language = extensions.Language, Location = extensions.Location, Extensions = extensions.Rest,
        };
    }

    private readonly record struct ExtensionData(Disposition? Disposition, IReadOnlyList<string>? Language, string? Location,
        IReadOnlyList<ImapValue>? Rest);

    /// <summary>The disposition, language, location and further extensions shared by both kinds of part.</summary>
    private static ExtensionData Extensions(IReadOnlyList<ImapValue> items, int i, ArgumentReader context)
    {
        var disposition = i < items.Count ? DispositionOf(items[i++], context) : null;
        IReadOnlyList<string>? language = null;
        if (i < items.Count)
        {
            language = items[i++] switch
            {
                ImapList languages => languages.Items.Select(ArgumentReader.Text).ToArray(),
                ImapNil => null,
                var single => [ArgumentReader.Text(single)],
            };
        }
        var location = i < items.Count ? items[i++].AsText() : null;
        var rest = i < items.Count ? items.Skip(i).ToArray() : null;
        return new ExtensionData(disposition, language, location, rest);
    }

    private static Disposition? DispositionOf(ImapValue value, ArgumentReader context)
    {
        switch (value)
        {
            case ImapList { Items: [var type, var parameters] }:
                return new Disposition(CommandParser.Upper(type.AsText() ?? ""), Parameters(parameters, context));
            case ImapString text:
                // Exchange puts a bare string ("inline") where "(" string SP body-fld-param ")" belongs.
                context.Frame.Report(Rules.StringDisposition, value.Start, text.Text);
                return new Disposition((text.Text ?? "").ToUpperInvariant(), null);
            case ImapNil:
                return null;
            default:
                Report(context, value, "disposition is not (type params) or NIL");
                return null;
        }
    }

    private static IReadOnlyDictionary<string, string?>? Parameters(ImapValue value, ArgumentReader context)
    {
        if (value is not ImapList list)
        {
            if (value is not ImapNil) Report(context, value, "parameters are not a list or NIL");
            return null;
        }
        if (list.Items.Count % 2 != 0) Report(context, list, "parameter list has an odd number of items");
        var parameters = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i + 1 < list.Items.Count; i += 2)
            parameters[ArgumentReader.Text(list.Items[i])] = list.Items[i + 1].AsText();
        return parameters;
    }

    private static ulong? Number(ImapValue value, ArgumentReader context)
    {
        if (value.TryGetNumber(out var number)) return number;
        // Some servers quote numbers or send NIL; keep going without the value.
        if (value is ImapString s && ImapValue.TryParseNumber(s.Text, out number))
        {
            Report(context, value, "number sent as a string");
            return number;
        }
        if (value is not ImapNil) Report(context, value, "not a number");
        return null;
    }

    private static void Report(ArgumentReader context, ImapValue at, string detail) =>
        context.Frame.Report(Rules.BodyStructure, at.Start, detail);
}
