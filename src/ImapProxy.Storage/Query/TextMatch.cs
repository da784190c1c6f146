namespace ImapProxy.Storage.Query;

/// <summary>
/// How a term's values match one text value of a row, written once for both evaluators. The primitives are
/// chosen so that C# and both engines agree on every input: ASCII-only case folding (SQLite's LIKE, NOCASE and
/// lower() fold nothing else; nor do PostgreSQL's ILIKE and lower() under the "C" collation), ordinal comparison,
/// '*' as LIKE's '%'.
/// A value that is absent (NULL) matches nothing, negated or not.
/// </summary>
internal sealed class TextMatch
{
    private readonly IReadOnlyList<string> exact;
    private readonly IReadOnlyList<Alternative> others;
    private readonly bool negated;

    private TextMatch(IReadOnlyList<string> exact, IReadOnlyList<Alternative> others, bool negated) =>
        (this.exact, this.others, this.negated) = (exact, others, negated);

    private sealed record Alternative(Func<string, bool> Memory, Func<string, SqlParameters, string> Sql);

    /// <summary>Equal, ignoring ASCII case; a word with '*' is a wildcard pattern.</summary>
    public static TextMatch Equal(TermSyntax term) => new([], term.Values.Select(v => v.IsPattern ? Glob(v.Text) : IgnoringCase(v.Text)).ToList(), term.Negated);

    /// <summary>
    /// Equal to one of <paramref name="canonical"/> exactly (values the store spells one way: FETCH, ok, client),
    /// plus wildcard <paramref name="patterns"/>. Exact values become one IN list, which an index can serve.
    /// </summary>
    public static TextMatch OneOf(IEnumerable<string> canonical, IEnumerable<string> patterns, bool negated) =>
        new(canonical.Distinct().ToList(), patterns.Select(Glob).ToList(), negated);

    /// <summary>Contains the value, ignoring ASCII case.</summary>
    public static TextMatch Contains(TermSyntax term) =>
        new([], term.Values.Select(v => Contained(v.Text)).ToList(), term.Negated);

    public bool Memory(string? value) => value is not null && Any(value) != negated;

    public string Sql(string expression, SqlParameters p)
    {
        var parts = new List<string>();
        if (exact.Count > 0) parts.Add($"{expression} IN ({p.List(exact)})");
        parts.AddRange(others.Select(o => o.Sql(expression, p)));
        var any = parts.Count == 1 ? parts[0] : "(" + string.Join(" OR ", parts) + ")";
        return negated ? $"({expression} IS NOT NULL AND NOT {any})" : any;
    }

    private bool Any(string value) => exact.Contains(value, StringComparer.Ordinal) || others.Any(o => o.Memory(value));

    // NOCASE (lower() under "C") folds the 26 ASCII letters only, like AsciiText.
    private static Alternative IgnoringCase(string text) =>
        new(v => AsciiText.EqualsIgnoreCase(v, text), (e, p) => p.Dialect.EqualsIgnoringCase(e, p.Add(text)));

    // LIKE is case-insensitive for ASCII only, like AsciiText.Glob.
    private static Alternative Glob(string pattern) =>
        new(v => AsciiText.Glob(v, pattern), (e, p) => $"{e} {p.Dialect.LikeIgnoringCase} {p.Add(AsciiText.LikePattern(pattern))} ESCAPE '\\'");

    // LIKE '%text%' rather than instr(lower(...)): the same ASCII-only folding, and about twice as fast on a scan
    // (instr counts characters to return a position; LIKE only answers yes or no).
    private static Alternative Contained(string text) =>
        new(v => AsciiText.ContainsIgnoreCase(v, text), (e, p) => $"{e} {p.Dialect.LikeIgnoringCase} {p.Add("%" + AsciiText.LikeLiteral(text) + "%")} ESCAPE '\\'");
}
