namespace ImapProxy.Faults;

/// <summary>A fault rule that cannot be used: where (0-based character in the rule) and why.</summary>
public sealed class FaultRuleException(int position, string reason) : Exception($"at character {position + 1}: {reason}")
{
    public int Position { get; } = position;
    public string Reason { get; } = reason;
}
