namespace ImapProxy.Storage.Query;

/// <summary>
/// How a term's values compare with one number of a row (latency in µs, size in bytes, session id), written once
/// for both evaluators. Alternatives (<c>session:3|4</c>) are OR-ed;
/// ":" means equal. A row without the number matches nothing, negated or not.
/// </summary>
internal sealed class NumberMatch(Comparison comparison, IReadOnlyList<long> values, bool negated)
{
    public bool Memory(long? value) => value is { } v && values.Any(n => Compare(v, n)) != negated;

    public string Sql(string expression, SqlParameters p)
    {
        var any = "(" + string.Join(" OR ", values.Select(n => $"{expression} {Operator} {p.Add(n)}")) + ")";
        return negated ? $"({expression} IS NOT NULL AND NOT {any})" : any;
    }

    /// <summary>True when every value this matches is at least <paramref name="bound"/>.</summary>
    public bool AtLeast(long bound) => !negated && values.All(n => comparison switch
    {
        Comparison.Greater => n >= bound - 1,
        Comparison.GreaterOrEqual or Comparison.Matches => n >= bound,
        _ => false,
    });

    private bool Compare(long actual, long value) => comparison switch
    {
        Comparison.Greater => actual > value,
        Comparison.GreaterOrEqual => actual >= value,
        Comparison.Less => actual < value,
        Comparison.LessOrEqual => actual <= value,
        _ => actual == value,
    };

    private string Operator => comparison switch
    {
        Comparison.Greater => ">",
        Comparison.GreaterOrEqual => ">=",
        Comparison.Less => "<",
        Comparison.LessOrEqual => "<=",
        _ => "=",
    };
}
