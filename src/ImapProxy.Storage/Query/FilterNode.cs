namespace ImapProxy.Storage.Query;

/// <summary>The parsed filter: terms combined with and, or, not (precedence not &gt; and &gt; or).</summary>
public abstract record FilterNode;

public sealed record AndNode(IReadOnlyList<FilterNode> Parts) : FilterNode;

public sealed record OrNode(IReadOnlyList<FilterNode> Parts) : FilterNode;

public sealed record NotNode(FilterNode Part) : FilterNode;

/// <summary>One field condition, compiled by its field into both evaluators.</summary>
public sealed record TermNode(FilterField Field, FilterCondition Condition) : FilterNode;

public enum Comparison
{
    Matches,
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
    Equal,
}
