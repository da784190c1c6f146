using ImapProxy.Storage.Query;

namespace ImapProxy.Storage.Tests.Query;

/// <summary>
/// The in-memory '*' patterns of the filter (live views) mean what SQL's LIKE means (the store): '*' is any run of
/// characters, possibly none, ASCII case folded; the pieces between the stars take their own characters, never
/// the same ones twice.
/// </summary>
public class AsciiTextTests
{
    [Theory]
    [InlineData("a*b", "ab", true)]        // the star may stand for nothing
    [InlineData("a*b", "axxb", true)]
    [InlineData("ab*b", "ab", false)]      // the last piece cannot reuse the first piece's b
    [InlineData("*ab*b", "ab", false)]     // nor a middle piece's
    [InlineData("*ab*b", "abb", true)]
    [InlineData("*a*", "abc", true)]       // a middle piece found at the very start
    [InlineData("*B*", "abc", true)]       // ASCII case folded
    [InlineData("*b*d", "abcb", false)]
    [InlineData("a*", "b", false)]
    [InlineData("*", "", true)]
    [InlineData("É*", "é", false)]         // only ASCII letters fold, as in SQLite and PostgreSQL's "C" collation
    public void Glob_MatchesAsLikeDoes(string pattern, string text, bool matches) =>
        Assert.Equal(matches, AsciiText.Glob(text, pattern));
}
