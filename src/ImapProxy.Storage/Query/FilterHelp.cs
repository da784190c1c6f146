using ImapProxy.Recording.Findings;
using System.Text;
using ImapProxy.Protocol.Diagnostics;

namespace ImapProxy.Storage.Query;

/// <summary>
/// The filter language's help, generated from <see cref="FilterFields.All"/> so it cannot fall behind the fields.
/// The CLI's --help, the dashboard's help panel and the API all show this text.
/// </summary>
public static class FilterHelp
{
    private const string Indent = "                       ";

    public static string Text { get; } = Build();

    private static string Build()
    {
        var help = new StringBuilder();
        help.AppendLine("""
            Filters
              field:value            a term, e.g. cmd:FETCH; terms side by side must all match
              a and b, a or b        not binds tightest, then and, then or; group with ( )
              not a, !a              the opposite of a (an event without the field matches not a)
              word, "some text"      a bare word or quoted text searches text: (see below)
              field:a|b              either value (no spaces around |)
              field:!a               the field has a value and it is not a (status:!OK: a completion other than OK)
              *                      a wildcard in words (user:al*, anomaly:*); inside "quotes" it is a star
              > >= < <= =            compare numbers: latency>500ms, size>=1MB, session<100
            Quoted text takes \" for a quote. Text ignores ASCII case except in body:. Times are UTC.

            Events and sessions
              An event is tested with its own fields and its session's (user, client, tls...). A session matches when
              its own fields match and, for event fields, when at least one of its events matches, term by term:
              "cmd:FETCH status:NO" is a session with a FETCH and a failure; "not cmd:IDLE" one without any IDLE.

            Fields (kind of value; what it applies to)
            """);
        foreach (var field in FilterFields.All)
        {
            var names = string.Join(", ", field.Names);
            help.AppendLine($"  {names,-20} {Describe(field)}; {Scope(field.Scope)}");
            help.AppendLine(Wrap($"{Indent}{field.Help}. Example: {field.Example}", Indent));
        }
        help.AppendLine();
        help.AppendLine(Wrap("Rules (anomaly:RULE): " + string.Join(", ", Rules.All.Select(r => r.Id)), "  "));
        help.AppendLine(Wrap("Findings (finding:ID): " + string.Join(", ", FindingRules.All.Select(r => r.Id)), "  "));
        help.AppendLine();
        help.AppendLine("Examples: cmd:FETCH latency>500ms · status:!OK · user:alice not dir:proxy · anomaly:* after:2026-11-25");
        help.AppendLine("          (cmd:SELECT or cmd:EXAMINE) mailbox:INBOX · body:\"Subject: hello\" · size>1MB");
        return help.ToString();
    }

    /// <summary>Lines of at most 110 characters; the text's own indentation is kept, continuation lines get <paramref name="indent"/>.</summary>
    private static string Wrap(string text, string indent)
    {
        var start = text.Length - text.TrimStart().Length;
        var lines = new List<string> { text[..start] };
        foreach (var word in text[start..].Split(' '))
        {
            if (lines[^1].Trim().Length > 0 && lines[^1].Length + 1 + word.Length > 110) lines.Add(indent);
            lines[^1] += (lines[^1].Trim().Length > 0 ? " " : "") + word;
        }
        return string.Join(Environment.NewLine, lines);
    }

    private static string Describe(FilterField field) => field.Kind switch
    {
        FilterValueKind.Name => "a name (any case; * matches any text)",
        FilterValueKind.Rule => "* or a rule id (Rules below)",
        FilterValueKind.Finding => "* or a finding id (Findings below)",
        FilterValueKind.Text => "text to find inside",
        FilterValueKind.Choice => string.Join(" | ", field.Choices),
        FilterValueKind.Duration => FilterValues.DurationHelp,
        FilterValueKind.Size => FilterValues.SizeHelp,
        FilterValueKind.Integer => "a whole number",
        FilterValueKind.Time => FilterValues.TimeHelp,
        _ => field.Kind.ToString(),
    };

    private static string Scope(FilterScope scope) => scope switch
    {
        FilterScope.Session => "of the session",
        FilterScope.Event => "of an event",
        _ => "of an event or a session",
    };
}
