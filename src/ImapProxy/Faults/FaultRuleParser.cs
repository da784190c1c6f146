using System.Globalization;
using ImapProxy.Capture.Faults;
using ImapProxy.Storage;
using ImapProxy.Storage.Query;

namespace ImapProxy.Faults;

/// <summary>
/// Reads "FILTER => ACTION [times N] [probability P]". The filter is the filter language; the action grammar:
/// <code>
/// delay DURATION | close | close after N bytes | status NO|BAD [TEXT] | drop-capability NAME | add-capability NAME
/// rfc822-size +N|-N|=N | literal truncate N | literal corrupt | inject "RAW LINE" | bandwidth RATE (e.g. 10KB/s)
/// </code>
/// Every mistake is a <see cref="FaultRuleException"/> naming the character where it is.
/// </summary>
public static class FaultRuleParser
{
    public const string Arrow = "=>";

    public const string Grammar =
        "FILTER => ACTION [times N] [probability P], ACTION one of: delay DURATION, close, close after N bytes, status NO|BAD [text], " +
        "drop-capability NAME, add-capability NAME, rfc822-size +N|-N|=N, literal truncate N, literal corrupt, inject \"RAW LINE\", bandwidth RATE";

    /// <exception cref="FaultRuleException">The rule cannot be used.</exception>
    public static FaultRule Parse(string text)
    {
        var arrow = ArrowPosition(text);
        if (arrow < 0) throw new FaultRuleException(text.Length, $"no '{Arrow}' between the filter and the action ({Grammar})");
        var filterText = text[..arrow];
        if (string.IsNullOrWhiteSpace(filterText)) throw new FaultRuleException(0, "no filter before '=>' (e.g. cmd:FETCH, or user:alice)");
        Filter filter;
        try
        {
            filter = Filter.Parse(filterText);
        }
        catch (FilterException e)
        {
            throw new FaultRuleException(e.Position, e.Message);
        }
        var tokens = ActionTokenizer.Tokenize(text, arrow + Arrow.Length);
        var (times, probability, end) = Modifiers(tokens);
        var action = Action(new TokenReader(tokens[..end], text.Length));
        return new FaultRule(text.Trim(), new FilterFaultSelector(filter), action, times, probability);
    }

    /// <summary>The first "=>" outside double quotes (a filter may search for text:"=>").</summary>
    private static int ArrowPosition(string text)
    {
        var quoted = false;
        for (var i = 0; i < text.Length - 1; i++)
        {
            if (text[i] == '\\' && quoted) i++;
            else if (text[i] == '"') quoted = !quoted;
            else if (!quoted && text[i] == '=' && text[i + 1] == '>') return i;
        }
        return -1;
    }

    /// <summary>Trailing "times N" and "probability P", in any order; returns where the action's tokens end.</summary>
    private static (int? Times, double? Probability, int End) Modifiers(IReadOnlyList<ActionToken> tokens)
    {
        int? times = null;
        double? probability = null;
        var end = tokens.Count;
        while (end >= 2 && !tokens[end - 2].Quoted)
        {
            var (word, value) = (tokens[end - 2], tokens[end - 1]);
            if (word.Is("times") && times is null)
                times = int.TryParse(value.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                    ? n : throw new FaultRuleException(value.Position, $"times needs a positive whole number, not '{value.Text}'");
            else if (word.Is("probability") && probability is null) probability = Probability(value);
            else break;
            end -= 2;
        }
        return (times, probability, end);
    }

    private static double Probability(ActionToken token)
    {
        var percent = token.Text.EndsWith('%');
        var number = percent ? token.Text[..^1] : token.Text;
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var p)) p = -1;
        if (percent) p /= 100;
        return p is > 0 and <= 1 ? p : throw new FaultRuleException(token.Position, $"probability is a share above 0 and at most 1 (0.25) or a percentage (25%), not '{token.Text}'");
    }

    private static FaultAction Action(TokenReader r)
    {
        var name = r.Word("an action");
        FaultAction action = name.Text.ToLowerInvariant() switch
        {
            "delay" => new DelayFault(Duration(r.Word("a duration (500ms, 5s, 2m)"))),
            "close" => Close(r),
            "status" => Status(r),
            "drop-capability" => new CapabilityFault(CapabilityEdit.Drop, Atom(r.Word("a capability name (IDLE, CONDSTORE)"))),
            "add-capability" => new CapabilityFault(CapabilityEdit.Add, Atom(r.Word("a capability name (IDLE, CONDSTORE)"))),
            "rfc822-size" => new Rfc822SizeFault(SizeChange(r.Word("a change of size (+N, -N or =N)"))),
            "literal" => Literal(r),
            "inject" => new InjectFault(Line(r.Quoted("the line in double quotes (\"* 0 EXISTS\")"))),
            "bandwidth" => new BandwidthFault(Rate(r.Word("a rate (10KB/s)"))),
            _ => throw new FaultRuleException(name.Position, $"unknown action '{name.Text}' ({Grammar})"),
        };
        r.End();
        return action;
    }

    private static CloseFault Close(TokenReader r)
    {
        if (r.AtEnd) return new CloseFault(null);
        r.Expect("after");
        var count = Count(r.Word("a number of bytes"));
        r.Expect("bytes");
        return new CloseFault(count);
    }

    private static StatusFault Status(TokenReader r)
    {
        var word = r.Word("NO or BAD");
        var status = word.Text.ToUpperInvariant() switch
        {
            "NO" => FaultStatus.No,
            "BAD" => FaultStatus.Bad,
            _ => throw new FaultRuleException(word.Position, $"status is NO or BAD, not '{word.Text}'"),
        };
        var text = r.Rest();
        return new StatusFault(status, text is null ? null : Line(text));
    }

    private static FaultAction Literal(TokenReader r)
    {
        var word = r.Word("truncate N or corrupt");
        return word.Text.ToLowerInvariant() switch
        {
            "truncate" => new LiteralTruncateFault(Count(r.Word("a number of bytes"))),
            "corrupt" => new LiteralCorruptFault(),
            _ => throw new FaultRuleException(word.Position, $"literal truncate N or literal corrupt, not literal '{word.Text}'"),
        };
    }

    private static TimeSpan Duration(ActionToken token) =>
        Units.Seconds(token.Text, bareNumberSeconds: 1) is { } seconds && seconds <= TimeSpan.FromDays(1).TotalSeconds
            ? TimeSpan.FromSeconds(seconds)
            : throw new FaultRuleException(token.Position, $"'{token.Text}' is not a duration of at most a day ({Units.DurationExamples})");

    private static long Count(ActionToken token) =>
        long.TryParse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= int.MaxValue
            ? n : throw new FaultRuleException(token.Position, $"'{token.Text}' is not a number of bytes");

    private static SizeChange SizeChange(ActionToken token)
    {
        var kind = token.Text.Length > 0 ? token.Text[0] switch
        {
            '+' => SizeChangeKind.Add,
            '-' => SizeChangeKind.Subtract,
            '=' => SizeChangeKind.Set,
            _ => (SizeChangeKind?)null,
        } : null;
        if (kind is null || !long.TryParse(token.Text.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            throw new FaultRuleException(token.Position, $"rfc822-size takes +N, -N or =N, not '{token.Text}'");
        return new SizeChange(kind.Value, n);
    }

    private static long Rate(ActionToken token)
    {
        var text = token.Text.EndsWith("/s", StringComparison.OrdinalIgnoreCase) ? token.Text[..^2] : token.Text;
        return Units.Bytes(text) is { } bytes && bytes >= 1 && bytes <= long.MaxValue
            ? (long)bytes
            : throw new FaultRuleException(token.Position, $"'{token.Text}' is not a rate of at least one byte a second (10KB/s, 1MiB/s)");
    }

    /// <summary>A capability name is an atom (RFC 3501 §9: no spaces, brackets, quotes or controls).</summary>
    private static string Atom(ActionToken token) =>
        token.Text.All(c => c > ' ' && c < 0x7F && "(){%*\"\\]".IndexOf(c) < 0)
            ? token.Text
            : throw new FaultRuleException(token.Position, $"'{token.Text}' is not a capability name (an atom such as IDLE or AUTH=PLAIN)");

    /// <summary>Text sent on one line: printable ASCII only, the proxy adds the CRLF.</summary>
    private static string Line(ActionToken token)
    {
        var bad = token.Text.ToList().FindIndex(c => c < ' ' || c >= 0x7F);
        if (bad >= 0) throw new FaultRuleException(token.Position, "the text must be printable ASCII on one line (the proxy ends it with CRLF)");
        return token.Text.Length > 0 ? token.Text : throw new FaultRuleException(token.Position, "the text is empty");
    }
}
