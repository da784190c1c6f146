using ImapProxy.Storage.Query;

namespace ImapProxy.Storage.Tests.Query;

public class FilterParserTests
{
    [Theory]
    [InlineData("cmd:FETCH", "cmd:FETCH")]
    [InlineData("cmd:FETCH status:NO", "(and cmd:FETCH status:NO)")]
    [InlineData("cmd:FETCH and status:NO", "(and cmd:FETCH status:NO)")]
    [InlineData("user:a or user:b and not user:c", "(or user:a (and user:b (not user:c)))")]
    [InlineData("a and b or c and d", "(or (and a b) (and c d))")]
    [InlineData("not a b", "(and (not a) b)")]
    [InlineData("not (a or b) c", "(and (not (or a b)) c)")]
    [InlineData("!cmd:FETCH", "(not cmd:FETCH)")]
    [InlineData("not not a", "(not (not a))")]
    [InlineData("((a))", "a")]
    [InlineData("a OR b AND NOT c", "(or a (and b (not c)))")]
    [InlineData("android orchid notes", "(and android orchid notes)")]
    [InlineData("(a or b)(c or d)", "(and (or a b) (or c d))")]
    [InlineData("dir:client|server", "dir:client|server")]
    public void Precedence_NotThenAndThenOr(string expression, string tree) =>
        Assert.Equal(tree, Render(Filter.Parse(expression)));

    // Each expression is a row of terms side by side; the second column is the field a person expects each term to
    // land in, in order (bare words and quoted text are the text field; aliases and any case name their field).
    [Theory]
    [InlineData("after:2026-11-25T10:00 before:2026-11-26T00:00:30.5Z", "after before")]
    [InlineData("client:[::1] client:::1 server:imap.example.com:993 client:10.0.0.*", "client client server client")]
    [InlineData("latency>=1s latency<=2s latency<3m latency=500ms latency:250us latency!=1ms latency>0.5s latency>1d latency<00:00:02",
        "latency latency latency latency latency latency latency latency latency")]
    [InlineData("size<1MiB size>=10KB size>1GB size:300 session>3 session<=9 id:1|2", "size size size size session session session")]
    [InlineData("text:\"BODYSTRUCTURE (\\\"text\\\"\" body:\"Subject: hello\" \"two words\" word", "text body text text")]
    [InlineData("anomaly:* rule:unescaped-quote anomaly:bare-lf|extra-space tls:none|both status:!OK dir:!proxy",
        "anomaly anomaly anomaly tls status dir")]
    [InlineData("user:al* mailbox:INBOX tag:a12 cmd:\"UID FETCH\" command:fetch|store cmd:*STORE", "user mailbox tag cmd cmd cmd")]
    [InlineData("USER:alice Cmd:fetch", "user cmd")]
    // Not a field before ':', a keyword only when alone, values after '|' even where they read as keywords.
    [InlineData(":x or|foo text:and|or", "text text text")]
    [InlineData("session:1000000000000000 session=3", "session session")]
    public void ValidExpressions_ParseIntoTheirTerms(string expression, string fields)
    {
        var filter = Filter.Parse(expression);

        var terms = Assert.IsType<AndNode>(filter.Root).Parts.Select(p => Assert.IsType<TermNode>(p)).ToList();
        Assert.Equal(fields.Split(' '), terms.Select(t => t.Field.Name));
        // The terms, as written, are the whole expression: none was dropped, cut short or run into the next.
        Assert.Equal(expression, string.Join(" ", terms.Select(t => expression.Substring(t.Position, t.Length))));
    }

    [Theory]
    [InlineData("cmd:", 4, 0, "cmd needs a value, e.g. cmd:FETCH|STORE")]
    [InlineData("cmd: FETCH", 4, 0, "cmd needs a value")]
    [InlineData("comd:FETCH", 0, 4, "unknown field 'comd' (did you mean cmd?)")]
    [InlineData("usr:alice", 0, 3, "unknown field 'usr' (did you mean user?)")]
    // No suggestion beyond two edits, nor beyond half the word (one for short words): "zz" is two from "id", "q" two
    // from any field, "cmdxyz" three from "cmd".
    [InlineData("zz:x", 0, 2, "unknown field 'zz'; to search")]
    [InlineData("q:x", 0, 1, "unknown field 'q'; to search")]
    [InlineData("cmdxyz:x", 0, 6, "unknown field 'cmdxyz'; to search")]
    [InlineData("cmd:FETCH nosuch:x", 10, 6, "unknown field 'nosuch'")]
    [InlineData("http://example.com", 0, 4, "unknown field 'http'; to search for this text, put it in quotes")]
    [InlineData("user:alice and (cmd:FETCH", 15, 1, "'(' is not closed")]
    [InlineData("user:alice)", 10, 1, "')' without a matching '('")]
    [InlineData("()", 1, 1, "a term is missing before ')'")]
    [InlineData("latency>fast", 8, 4, "'fast' is not a duration")]
    [InlineData("size>5XB", 5, 3, "'5XB' is not a size")]
    [InlineData("size>99999999999GB", 5, 13, "'99999999999GB' is too large")]
    [InlineData("session:abc", 8, 3, "'abc' is not a whole number")]
    [InlineData("user>alice", 4, 1, "user cannot be compared with '>': write user:alice")]
    [InlineData("text:\"open", 5, 5, "the quoted text is not closed")]
    [InlineData("text:\"open\\", 5, 6, "the quoted text is not closed")]
    [InlineData("user:\"\"", 5, 2, "user needs a value, not empty quotes")]
    [InlineData("tls:sometimes", 4, 9, "tls cannot be 'sometimes': use none, client, upstream, both, failed")]
    [InlineData("status:NOPE", 7, 4, "status cannot be 'NOPE' (did you mean no?)")]
    [InlineData("status:ok|BYE", 10, 3, "status is how a command completed (ok, no, bad); BYE is only ever untagged: write untagged:BYE")]
    [InlineData("status:preauth", 7, 7, "preauth is only ever untagged: write untagged:preauth")]
    [InlineData("dir:clinet", 4, 6, "dir cannot be 'clinet' (did you mean client?)")]
    [InlineData("anomaly:bare-cr", 8, 7, "'bare-cr' is not a rule (did you mean bare-lf?)")]
    [InlineData("anomaly:!*", 0, 10, "anomaly:!* matches nothing")]
    [InlineData("cmd:FETCH anomaly:!*", 10, 10, "anomaly:!* matches nothing")]
    [InlineData("finding:exist-shrank", 8, 12, "'exist-shrank' is not a finding (did you mean exists-shrank?); finding:* finds them all")]
    [InlineData("finding:!*", 0, 10, "finding:!* matches nothing")]
    [InlineData("severity:fatal", 9, 5, "severity cannot be 'fatal': use info, warning, error")]
    [InlineData("after:yesterday", 6, 9, "'yesterday' is not a UTC time")]
    [InlineData("after:!2026-11-25", 0, 17, "after takes one time")]
    [InlineData("before:2026-11-25|2026-11-26", 0, 28, "before takes one time")]
    [InlineData("user:a and", 10, 0, "a term is missing at the end")]
    [InlineData("or user:a", 0, 2, "a term is missing before 'or'")]
    [InlineData("user:a and or user:b", 11, 2, "a term is missing before 'or'")]
    [InlineData("   ", 0, 3, "the filter is empty")]
    [InlineData("dir:client|", 11, 0, "dir needs a value after '|'")]
    [InlineData("dir:client| server", 11, 0, "dir needs a value after '|'")]
    [InlineData("status:!", 8, 0, "status needs a value after '!'")]
    [InlineData("latency>!5ms", 8, 1, "'!' does not go with a comparison")]
    [InlineData("| foo", 0, 1, "'|' is out of place here")]
    public void BadExpressions_SayWhereAndWhy(string expression, int position, int length, string message)
    {
        var error = Assert.Throws<FilterException>(() => Filter.Parse(expression));

        Assert.Contains(message, error.Message);
        Assert.Equal((position, length), (error.Position, error.Length));
    }

    [Fact]
    public void LongText_IsRefusedAtTheLimit()
    {
        Assert.NotNull(Filter.Parse("user:" + new string('a', FilterParser.MaxLength - 5)));

        var error = Assert.Throws<FilterException>(() => Filter.Parse("user:" + new string('a', FilterParser.MaxLength)));

        // What is past the limit: the last five characters.
        Assert.Equal((FilterParser.MaxLength, 5), (error.Position, error.Length));
        Assert.Contains("longer than 4096 characters", error.Message);
    }

    [Fact]
    public void DeepNesting_IsRefusedWhereItGoesTooDeep()
    {
        Assert.NotNull(Filter.Parse(new string('(', FilterParser.MaxDepth - 1) + "a" + new string(')', FilterParser.MaxDepth - 1)));

        var error = Assert.Throws<FilterException>(() => Filter.Parse(new string('(', 40) + "a" + new string(')', 40)));

        Assert.Equal(FilterParser.MaxDepth, error.Position);
        Assert.Contains("nests deeper than 32 levels", error.Message);
        Assert.Throws<FilterException>(() => Filter.Parse(string.Concat(Enumerable.Repeat("not ", 40)) + "a"));
    }

    [Fact]
    public void ManyTerms_AreRefused()
    {
        Assert.Equal(FilterParser.MaxTerms, Assert.IsType<AndNode>(Filter.Parse(string.Join(" ", Enumerable.Repeat("a", FilterParser.MaxTerms))).Root).Parts.Count);

        var error = Assert.Throws<FilterException>(() => Filter.Parse(string.Join(" ", Enumerable.Repeat("a", FilterParser.MaxTerms + 1))));
        Assert.Contains("more than 100 terms", error.Message);
        Assert.Equal((2 * FilterParser.MaxTerms, 1), (error.Position, error.Length));
        Assert.Throws<FilterException>(() => Filter.Parse("dir:" + string.Join("|", Enumerable.Repeat("client", FilterParser.MaxTerms + 1))));
    }

    [Fact]
    public void BlankFilter_IsNoFilter()
    {
        Assert.Null(Filter.ParseOrNull(null));
        Assert.Null(Filter.ParseOrNull(" \t"));
        Assert.NotNull(Filter.ParseOrNull("a"));
    }

    /// <summary>The tree as an s-expression, terms as written.</summary>
    private static string Render(Filter filter)
    {
        string Node(FilterNode node) => node switch
        {
            AndNode and => "(and " + string.Join(" ", and.Parts.Select(Node)) + ")",
            OrNode or => "(or " + string.Join(" ", or.Parts.Select(Node)) + ")",
            NotNode not => "(not " + Node(not.Part) + ")",
            TermNode term => filter.Text.Substring(term.Position, term.Length),
            _ => throw new InvalidOperationException(),
        };
        return Node(filter.Root);
    }
}
