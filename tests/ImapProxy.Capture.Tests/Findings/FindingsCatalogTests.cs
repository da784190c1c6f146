using ImapProxy.Recording.Findings;

namespace ImapProxy.Capture.Tests.Findings;

/// <summary>
/// The findings table users read (README, "What went wrong: findings") is the catalogue the engine reports from, and
/// each rule carries what a finding shows: a stable id filters can name, a summary, and what clients do about it.
/// </summary>
public class FindingsCatalogTests
{
    private static List<string[]> DocumentedRows()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ImapProxy.sln"))) directory = directory.Parent;
        Assert.NotNull(directory);
        return File.ReadAllLines(Path.Combine(directory.FullName, "README.md"))
            .SkipWhile(l => l != "## What went wrong: findings").Skip(1).TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal))
            .Where(l => l.StartsWith("| `", StringComparison.Ordinal))
            .Select(l => l.Trim('|').Split(" | ").Select(cell => cell.Trim()).ToArray())
            .ToList();
    }

    [Fact]
    public void EveryRule_IsInTheReadme_WithItsSeverity_InTheCataloguesOrder()
    {
        var documented = DocumentedRows().Select(r => $"{r[0].Trim('`')} {r[1]}");
        var rules = FindingRules.All.Select(r => $"{r.Id} {r.Severity.ToString().ToLowerInvariant()}");

        Assert.Equal(rules, documented);
    }

    [Fact]
    public void EveryRule_HasAStableIdAFilterCanName_AndSaysWhatIsWrong()
    {
        Assert.Equal(FindingRules.All.Count, FindingRules.All.Select(r => r.Id).Distinct().Count());
        Assert.All(FindingRules.All, rule =>
        {
            // finding:ID in the filter language: lower-case words joined by hyphens.
            Assert.Matches("^[a-z0-9]+(-[a-z0-9]+)*$", rule.Id);
            Assert.True(rule.Summary.Length >= 20, $"{rule.Id}: a summary says what is wrong in a sentence");
            Assert.True(rule.Rfc is null || rule.Rfc.StartsWith("RFC ", StringComparison.Ordinal), $"{rule.Id}: {rule.Rfc}");
            Assert.True(rule.ClientImpact is null || rule.ClientImpact.Length >= 20, $"{rule.Id}: {rule.ClientImpact}");
            Assert.Same(rule, FindingRules.Find(rule.Id));
        });
        Assert.Null(FindingRules.Find("no-such-rule"));
    }
}
