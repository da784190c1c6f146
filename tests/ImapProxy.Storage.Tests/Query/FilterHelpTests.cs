using ImapProxy.Recording.Findings;
using System.Text.RegularExpressions;
using ImapProxy.Protocol.Diagnostics;
using ImapProxy.Storage.Query;

namespace ImapProxy.Storage.Tests.Query;

/// <summary>The help is generated from the registry: every field, alias, example and rule is in it, and every example works.</summary>
public class FilterHelpTests
{
    // What a user reads under "Fields", top to bottom: each field's names (aliases after the name) and its example.
    // Written by hand: a field added, dropped, renamed or moved in the registry must show up here as a change.
    private static readonly (string Names, string Example)[] Listed =
    [
        ("cmd, command", "cmd:FETCH|STORE"),
        ("status", "status:!OK"),
        ("untagged", "untagged:BYE"),
        ("user", "user:alice"),
        ("client-app, app", "client-app:*iPhone*"),
        ("client", "client:10.0.0.5"),
        ("server", "server:imap.example.com"),
        ("mailbox", "mailbox:INBOX"),
        ("tag", "tag:a12"),
        ("latency", "latency>500ms"),
        ("size", "size>1MB"),
        ("dir, direction", "dir:client|server"),
        ("text", "text:BODYSTRUCTURE"),
        ("body", "body:\"Subject: hello\""),
        ("anomaly, rule", "anomaly:*"),
        ("finding, findings", "finding:rfc822-size-mismatch"),
        ("severity", "severity:error|warning"),
        ("tls", "tls:none"),
        ("sni", "sni:imap.example.com"),
        ("ja4", "ja4:t13d*"),
        ("altered", "altered:yes"),
        ("session, id", "session:42"),
        ("after", "after:2026-11-25T10:00"),
        ("before", "before:2026-11-26"),
    ];

    public static TheoryData<string> Fields() => new(FilterFields.All.Select(f => f.Name));

    [Theory]
    [MemberData(nameof(Fields))]
    public void EveryField_IsDescribedWithAWorkingExample(string name)
    {
        var field = FilterFields.Find(name)!;

        Assert.Contains($"  {string.Join(", ", field.Names)} ", FilterHelp.Text);
        var unwrapped = string.Join(" ", FilterHelp.Text.Split(Environment.NewLine).Select(l => l.Trim()));
        Assert.Contains(field.Help, unwrapped);
        Assert.Contains($"Example: {field.Example}", unwrapped);
        Assert.NotNull(Filter.Parse(field.Example));
        Assert.All(field.Names, n => Assert.Same(field, FilterFields.Find(AsciiText.Upper(n))));
    }

    [Fact]
    public void EveryRule_IsListed() => Assert.All(Rules.All, r => Assert.Contains(r.Id, FilterHelp.Text));

    [Fact]
    public void EveryFindingRule_IsListed() =>
        Assert.All(FindingRules.All, r => Assert.Contains(r.Id, FilterHelp.Text.Split("Findings (finding:ID):")[1]));

    [Fact]
    public void ChoiceFields_ListTheirChoices()
    {
        foreach (var field in FilterFields.All.Where(f => f.Kind == FilterValueKind.Choice))
            Assert.Contains(string.Join(" | ", field.Choices), FilterHelp.Text);
    }

    [Fact]
    public void FieldsSection_ListsEachFieldInOrder_EndingWithItsExample()
    {
        var lines = FilterHelp.Text.Split(Environment.NewLine);
        var start = Array.FindIndex(lines, l => l.StartsWith("Fields (", StringComparison.Ordinal)) + 1;
        var section = lines[start..Array.FindIndex(lines, start, l => l.Length == 0)];
        // A field's entry starts at a line indented by two; its wrapped description is indented further.
        var entries = section.Select((line, at) => (line, at)).Where(x => Regex.IsMatch(x.line, "^  [a-z]")).Select(x => x.at).ToList();

        Assert.Equal(Listed.Select(f => f.Names), entries.Select(at => Regex.Match(section[at], "^  ([a-z0-9-]+(?:, [a-z0-9-]+)*) ").Groups[1].Value));
        for (var k = 0; k < entries.Count; k++)
        {
            var entry = string.Join(" ", section[entries[k]..(k + 1 < entries.Count ? entries[k + 1] : section.Length)].Select(l => l.Trim()));
            Assert.EndsWith($". Example: {Listed[k].Example}", entry);
            Assert.NotNull(Filter.Parse(Listed[k].Example)); // the example works as printed (Parse throws when it does not)
        }
    }

    [Fact]
    public void Lines_FitATerminal() => Assert.All(FilterHelp.Text.Split('\n'), line => Assert.True(line.TrimEnd().Length <= 120, line));
}
