using ImapProxy.Storage.Query;

namespace ImapProxy.Storage.Tests.Query;

public class FilterParserTests
{
    [Theory]
    [InlineData("cmd:FETCH")]
    [InlineData("cmd:FETCH and latency>500ms")]
    [InlineData("cmd:FETCH latency>=1s status:!OK")]
    [InlineData("(cmd:SELECT or cmd:EXAMINE) and not user:bob")]
    [InlineData("dir:client|server text:\"BODYSTRUCTURE (\\\"text\\\"\"")]
    [InlineData("anomaly:* or anomaly:unescaped-quote")]
    [InlineData("after:2026-11-25T10:00 before:2026-11-26 session>3 size<1MiB bytes>=10KB")]
    [InlineData("BODYSTRUCTURE")]
    [InlineData("user:al* client:10.0.0.5 server:imap.example.com:993 tls:none mailbox:INBOX tag:a12 body:\"Subject: hello\"")]
    public void ValidExpressions_Parse(string expression) => Assert.NotNull(Filter.Parse(expression));

    [Fact]
    public void Precedence_NotThenAndThenOr()
    {
        var root = Filter.Parse("user:a or user:b and not user:c").Root;

        var or = Assert.IsType<OrNode>(root);
        Assert.IsType<TermNode>(or.Parts[0]);
        var and = Assert.IsType<AndNode>(or.Parts[1]);
        Assert.IsType<NotNode>(and.Parts[1]);
    }

    [Theory]
    [InlineData("cmd:", 4, "cmd needs a value")]
    [InlineData("comd:FETCH", 0, "unknown field 'comd', did you mean cmd?")]
    [InlineData("user:alice and (cmd:FETCH", 15, "'(' is not closed")]
    [InlineData("user:alice)", 10, "')' without a matching '('")]
    [InlineData("latency>fast", 8, "'fast' is not a duration")]
    [InlineData("user>alice", 4, "user cannot be compared with '>'")]
    [InlineData("text:\"open", 5, "quoted text is not closed")]
    [InlineData("tls:sometimes", 4, "'sometimes' is not none, client, upstream, both or failed")]
    [InlineData("after:yesterday", 6, "is not a UTC time")]
    [InlineData("user:a and", 10, "a term is missing")]
    [InlineData("or user:a", 0, "a term is missing before this operator")]
    [InlineData("   ", 0, "the filter is empty")]
    public void BadExpressions_SayWhereAndWhy(string expression, int position, string message)
    {
        var error = Assert.Throws<FilterException>(() => Filter.Parse(expression));

        Assert.Equal(position, error.Position);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void DeepNestingAndLongText_AreRefused()
    {
        Assert.Throws<FilterException>(() => Filter.Parse(new string('(', 60) + "user:a" + new string(')', 60)));
        Assert.Throws<FilterException>(() => Filter.Parse(string.Join(" ", Enumerable.Repeat("user:alice", 500))));
    }

    [Fact]
    public void HelpText_ListsEveryField()
    {
        foreach (var field in FilterFields.All) Assert.Contains($"  {field.Name}", FilterFields.HelpText);
    }
}
