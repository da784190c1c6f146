using ImapProxy.Storage.Query;

namespace ImapProxy.Storage.Tests.Query;

public class FilterLexerTests
{
    [Theory]
    [InlineData("after:2026-11-25T10:00", "Field:after Operator:: Value:2026-11-25T10:00")]
    [InlineData("client:[::1]:5000", "Field:client Operator:: Value:[::1]:5000")]
    [InlineData("latency>=500ms", "Field:latency Operator:>= Value:500ms")]
    [InlineData("status!=ok", "Field:status Operator:= Bang:! Value:ok")]
    [InlineData("status:!OK|NO", "Field:status Operator:: Bang:! Value:OK Pipe:| Value:NO")]
    [InlineData("not(a)", "Not:not Open:( Value:a Close:)")]
    [InlineData("!a", "Not:! Value:a")]
    [InlineData("a AND b Or c", "Value:a And:AND Value:b Or:Or Value:c")]
    [InlineData("10:00 android", "Value:10:00 Value:android")]
    [InlineData("foo|bar", "Value:foo Pipe:| Value:bar")]
    public void Tokens(string text, string tokens) =>
        Assert.Equal(tokens + " End:", string.Join(" ", FilterLexer.Tokenize(text).Select(t => $"{t.Kind}:{t.Text}")));

    [Theory]
    [InlineData("text:\"say \\\"hi\\\"\"", "say \"hi\"")]
    [InlineData("text:\"back\\\\slash\"", "back\\slash")]
    [InlineData("text:\"\\Seen\"", "\\Seen")]
    [InlineData("\"a b\"", "a b")]
    [InlineData("text:\"(not | or)\"", "(not | or)")]
    public void QuotedValues_AreUnescaped(string text, string value)
    {
        var token = Assert.Single(FilterLexer.Tokenize(text), t => t.Kind == TokenKind.Value);

        Assert.Equal(value, token.Text);
        Assert.True(token.Quoted);
    }

    [Fact]
    public void Tokens_KnowWhereTheyAre()
    {
        var tokens = FilterLexer.Tokenize("  cmd:\"UID FETCH\" or x");

        Assert.Equal([(2, 3), (5, 1), (6, 11), (18, 2), (21, 1), (22, 0)], tokens.Select(t => (t.Position, t.Length)));
    }
}
