using ImapProxy.Storage.Sqlite;

namespace ImapProxy.Storage.Query;

/// <summary>
/// The parameters of one translated filter, and the dialect it is written in. Every value from the user goes
/// through here: the SQL text only ever holds parameter names, never a value.
/// </summary>
internal sealed class SqlParameters(SqlDialect dialect, TextIndex? textIndex = null)
{
    public SqlDialect Dialect { get; } = dialect;

    /// <summary>The store's index for text:, if it has one; the SQL is correct without it, only slower.</summary>
    public TextIndex? TextIndex { get; } = textIndex;

    public List<(string Name, object Value)> Values { get; } = [];

    public string Add(object value)
    {
        var name = $"@f{Values.Count}";
        Values.Add((name, value));
        return name;
    }

    /// <summary>"@f0, @f1, ..." for an IN list.</summary>
    public string List(IEnumerable<object> values) => string.Join(", ", values.Select(Add));
}
