using ImapProxy.Protocol.Diagnostics;
using ImapProxy.Storage.Query;

namespace ImapProxy.Storage.Tests.Query;

/// <summary>The help is generated from the registry: every field, alias, example and rule is in it, and every example works.</summary>
public class FilterHelpTests
{
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
    public void ChoiceFields_ListTheirChoices()
    {
        foreach (var field in FilterFields.All.Where(f => f.Kind == FilterValueKind.Choice))
            Assert.Contains(string.Join(" | ", field.Choices), FilterHelp.Text);
    }

    [Fact]
    public void HelpText_IsTheRegistrysHelp() => Assert.Same(FilterHelp.Text, FilterFields.HelpText);

    [Fact]
    public void Lines_FitATerminal() => Assert.All(FilterHelp.Text.Split('\n'), line => Assert.True(line.TrimEnd().Length <= 120, line));
}
