namespace ImapProxy.Storage.Query;

/// <summary>What a field's values are; decides the operators it takes and how the help describes it.</summary>
public enum FilterValueKind
{
    /// <summary>Text compared whole, ignoring ASCII case; '*' is a wildcard.</summary>
    Name,

    /// <summary>Text searched for inside something.</summary>
    Text,

    /// <summary>One of a fixed list of words.</summary>
    Choice,

    /// <summary>A number with a time unit; compared with &gt; &gt;= &lt; &lt;= =.</summary>
    Duration,

    /// <summary>A number with a size unit; compared.</summary>
    Size,

    /// <summary>A whole number; compared.</summary>
    Integer,

    /// <summary>A UTC time.</summary>
    Time,

    /// <summary>'*' or the id of one of the parser's rules.</summary>
    Rule,

    /// <summary>'*' or the id of one of the findings engine's rules.</summary>
    Finding,
}

/// <summary>Whether a field describes a session, an event, or means something for each.</summary>
public enum FilterScope
{
    Session,
    Event,
    Both,
}

/// <summary>
/// A field of the filter language: its names, one line of help with an example, the kind of its values and how a
/// term compiles into a <see cref="FilterCondition"/> (in memory and in SQL, side by side).
/// </summary>
public sealed class FilterField
{
    internal FilterField(string name, FilterScope scope, FilterValueKind kind, string help, string example,
        Func<TermSyntax, FilterCondition> compile, IReadOnlyList<string>? aliases = null, IReadOnlyList<string>? choices = null)
    {
        Name = name;
        Scope = scope;
        Kind = kind;
        Help = help;
        Example = example;
        Compile = compile;
        Aliases = aliases ?? [];
        Choices = choices ?? [];
    }

    public string Name { get; }
    public IReadOnlyList<string> Aliases { get; }
    public FilterScope Scope { get; }
    public FilterValueKind Kind { get; }

    /// <summary>One line, without the example.</summary>
    public string Help { get; }

    public string Example { get; }

    /// <summary>The words a <see cref="FilterValueKind.Choice"/> field accepts.</summary>
    public IReadOnlyList<string> Choices { get; }

    /// <summary>Takes &gt;, &gt;=, &lt;, &lt;= and = besides ':'.</summary>
    public bool Comparable => Kind is FilterValueKind.Duration or FilterValueKind.Size or FilterValueKind.Integer;

    /// <summary>The name and the aliases.</summary>
    public IEnumerable<string> Names => [Name, .. Aliases];

    internal Func<TermSyntax, FilterCondition> Compile { get; }

    /// <summary>The canonical (lower-case) choice a value names, or an error that lists the choices.</summary>
    internal string Choose(TermValue value)
    {
        var lower = AsciiText.Lower(value.Text);
        return Choices.Contains(lower)
            ? lower
            : throw new FilterException(value.Position, Math.Max(value.Length, 1),
                $"{Name} cannot be '{value.Text}'{Suggestion.For(value.Text, Choices)}: use {string.Join(", ", Choices)}");
    }
}
