using ImapProxy.Protocol.Diagnostics;
using ImapProxy.Protocol.Framing;
using ImapProxy.Protocol.Syntax;

namespace ImapProxy.Protocol.Responses;

/// <summary>Turns a server frame into a <see cref="ResponseFrame"/> (RFC 3501 §7).</summary>
internal static class ResponseParser
{
    public static bool IsStatus(string word) => StatusOf(word) is not null;

    private static ResponseStatus? StatusOf(string word) => word.ToUpperInvariant() switch
    {
        "OK" => ResponseStatus.Ok,
        "NO" => ResponseStatus.No,
        "BAD" => ResponseStatus.Bad,
        "PREAUTH" => ResponseStatus.Preauth,
        "BYE" => ResponseStatus.Bye,
        _ => null,
    };

    public static ResponseFrame? Parse(FrameContent frame, int maxDepth, bool greeting)
    {
        var reader = new FrameReader(frame, maxDepth);
        if (reader.Peek() == (byte)'+')
        {
            // continue-req = "+" SP (resp-text / base64) (RFC 3501 §7.5); "+" alone is common and tolerated.
            reader.Position++;
            reader.SkipSpace();
            var (code, text) = ReadRespText(reader);
            return Response(frame, ResponseKind.Continuation, code: code, text: text);
        }

        var first = reader.ReadWord();
        if (first.Length == 0 || !reader.SkipSpace()) return Unknown(frame);
        var keywordAt = reader.Position;
        if (first == "*" && reader.Peek() == (byte)'[')
        {
            // "* [ALERT] text": a response code with no status before it. Its code still counts (CAPABILITY, ALERT).
            var (bareCode, bareText) = ReadRespText(reader);
            if (bareCode is not null)
            {
                frame.Report(Rules.CodeWithoutStatus, keywordAt, bareCode.Name);
                return Response(frame, ResponseKind.Untagged, code: bareCode, text: bareText);
            }
            reader.Position = keywordAt;
        }
        var word = reader.ReadWord();
        var upper = word.ToUpperInvariant();
        if (word != upper && (first == "*" || IsStatus(word))) frame.Report(Rules.LowercaseKeyword, keywordAt, word);

        if (StatusOf(word) is { } status)
        {
            reader.SkipSpace();
            var (code, text) = ReadRespText(reader);
            var kind = first == "*"
                ? greeting && status is ResponseStatus.Ok or ResponseStatus.Preauth or ResponseStatus.Bye
                    ? ResponseKind.Greeting
                    : ResponseKind.Untagged
                : ResponseKind.Tagged;
            if (kind == ResponseKind.Tagged && status is ResponseStatus.Preauth or ResponseStatus.Bye)
                frame.Report(Rules.Syntax, keywordAt, $"{upper} cannot be tagged");
            return Response(frame, kind, first == "*" ? null : first, status, code, text);
        }
        if (first != "*") return Unknown(frame);

        // Untagged data: "* n NAME ..." (EXISTS, RECENT, EXPUNGE, FETCH) or "* NAME ..." (RFC 3501 §7.2-7.4).
        ulong? number = null;
        if (ImapValue.TryParseNumber(word, out var n))
        {
            number = n;
            if (!reader.SkipSpace()) return Unknown(frame);
            keywordAt = reader.Position;
            word = reader.ReadWord();
            upper = word.ToUpperInvariant();
            if (word != upper) frame.Report(Rules.LowercaseKeyword, keywordAt, word);
        }
        if (upper.Length == 0) return Unknown(frame);
        var args = reader.SkipSpace() ? reader.ReadValuesToEnd() : [];
        if (!reader.AtEnd && !reader.Failed) reader.Fail("unexpected text after the response");
        if (reader.Failed) frame.Report(Rules.Syntax, reader.ErrorPosition, reader.Error);

        var values = new ArgumentReader(args, frame, reader.Failed);
        var data = UntaggedData.Parse(upper, number, values);
        if (values.Malformed && !reader.Failed) frame.Report(Rules.Syntax, keywordAt, $"unexpected data for {upper}");
        return Response(frame, ResponseKind.Untagged) with
        {
            Name = upper,
            Data = data,
            Arguments = data is null && (args.Count > 0 || number is not null)
                ? number is { } num ? [new ImapAtom(num.ToString()), .. args] : args
                : null,
        };
    }

    /// <summary>resp-text = ["[" resp-text-code "]" SP] text (RFC 3501 §9). A code that does not parse is left in the text.</summary>
    private static (ResponseCode? Code, string Text) ReadRespText(FrameReader reader)
    {
        if (reader.Peek() != (byte)'[') return (null, reader.ReadRestAsText());
        var start = reader.Position;
        reader.Position++;
        var name = reader.ReadWord().ToUpperInvariant();
        var args = new List<ImapValue>();
        if (reader.Peek() == (byte)' ')
        {
            reader.SkipSpace();
            args = ReadCodeArguments(reader);
        }
        if (name.Length == 0 || reader.Failed || reader.Peek() != (byte)']')
        {
            reader.Position = start;
            return (null, reader.ReadRestAsText());
        }
        reader.Position++;
        reader.SkipSpace();
        var code = ResponseCodes.Parse(name, args, reader.Frame);
        return (code, reader.ReadRestAsText());
    }

    /// <summary>Code arguments are values, except for codes whose argument is free text up to ']'.</summary>
    private static List<ImapValue> ReadCodeArguments(FrameReader reader)
    {
        var mark = reader.Position;
        var probe = new FrameReader(reader.Frame, 8) { Position = mark };
        var values = probe.ReadValuesToEnd((byte)']');
        if (!probe.Failed && probe.Peek() == (byte)']')
        {
            reader.Position = probe.Position;
            return values;
        }
        // Free text such as [WEBALERT https://...] or [REFERRAL ...] with characters values cannot hold.
        var content = reader.Frame.Content[mark..];
        var close = content.IndexOf((byte)']');
        if (close < 0)
        {
            reader.Fail("response code not closed");
            return [];
        }
        reader.Position = mark + close;
        return [new ImapAtom(System.Text.Encoding.UTF8.GetString(content[..close]))];
    }

    // Every field a status line or a continuation has, set at once: a `with` on a blank response copied each one
    // (every command's completion takes this path).
    private static ResponseFrame Response(FrameContent frame, ResponseKind kind, string? tag = null, ResponseStatus? status = null,
        ResponseCode? code = null, string? text = null) => new()
    {
        Direction = Direction.Server,
        Offset = frame.Offset,
        Length = frame.Length,
        ResponseKind = kind,
        Tag = tag,
        Status = status,
        Code = code,
        Text = text,
    };

    private static ResponseFrame Unknown(FrameContent frame)
    {
        frame.Report(Rules.UnexpectedLine, 0);
        return Response(frame, ResponseKind.Unknown, text: System.Text.Encoding.UTF8.GetString(frame.Content));
    }
}
