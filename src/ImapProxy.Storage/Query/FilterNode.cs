namespace ImapProxy.Storage.Query;

/// <summary>The parsed filter: terms combined with and, or, not (precedence not &gt; and &gt; or).</summary>
public abstract record FilterNode;

public sealed record AndNode(IReadOnlyList<FilterNode> Parts) : FilterNode;

public sealed record OrNode(IReadOnlyList<FilterNode> Parts) : FilterNode;

public sealed record NotNode(FilterNode Part) : FilterNode;

/// <summary>
/// One term (<c>field:value</c>, or a bare word for the text field), compiled by its field into both evaluators.
/// <paramref name="Position"/> and <paramref name="Length"/> locate it in the filter text.
/// </summary>
public sealed record TermNode(FilterField Field, FilterCondition Condition, int Position, int Length) : FilterNode;

internal enum Comparison
{
    /// <summary>":" or "=" — what matching means is the field's choice (exact, wildcard, substring; equality for numbers).</summary>
    Matches,
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
}

/// <summary>One value of a term as written: its text (unquoted, unescaped) and where it is.</summary>
internal readonly record struct TermValue(string Text, int Position, int Length, bool Quoted)
{
    /// <summary>'*' is a wildcard in words; in quotes it is a star.</summary>
    public bool IsPattern => !Quoted && Text.Contains('*');
}

/// <summary>
/// A term as the parser read it, handed to its field to compile: <c>field op [!]value|value...</c>.
/// <paramref name="Negated"/> ("!"): the field has a value and it is none of <paramref name="Values"/>.
/// </summary>
internal sealed record TermSyntax(FilterField Field, Comparison Comparison, bool Negated, IReadOnlyList<TermValue> Values, int Position, int Length);
