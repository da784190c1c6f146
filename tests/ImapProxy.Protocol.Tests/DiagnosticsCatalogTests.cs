using ImapProxy.Protocol.Diagnostics;

namespace ImapProxy.Protocol.Tests;

/// <summary>The diagnostics table users read (src/ImapProxy.Protocol/README.md) is the catalogue the parser reports from.</summary>
public class DiagnosticsCatalogTests
{
    private static IEnumerable<string[]> DocumentedRows()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ImapProxy.sln"))) directory = directory.Parent;
        Assert.NotNull(directory);
        var readme = File.ReadAllLines(Path.Combine(directory.FullName, "src", "ImapProxy.Protocol", "README.md"));
        return readme.SkipWhile(l => l != "## Diagnostics").Where(l => l.StartsWith("| `", StringComparison.Ordinal))
            .Select(l => l.Trim('|').Split(" | ").Select(cell => cell.Trim()).ToArray());
    }

    [Fact]
    public void EveryRule_IsDocumented_WithItsSeverityRfcAndMeaning()
    {
        var documented = DocumentedRows().Select(r => $"{r[0].Trim('`')} {r[1]} [{r[2]}] {r[3]}").ToList();
        var rules = Rules.All.Select(r => $"{r.Id} {r.Severity.ToString().ToLowerInvariant()} [{r.Rfc}] {r.Summary}").ToList();

        Assert.Equal(rules, documented);
    }

    [Fact]
    public void RuleIds_AreUniqueAndFitTheFilterLanguage()
    {
        Assert.Equal(Rules.All.Count, Rules.All.Select(r => r.Id).Distinct().Count());
        Assert.All(Rules.All, r => Assert.Matches("^[a-z0-9]+(-[a-z0-9]+)*$", r.Id));
    }
}
