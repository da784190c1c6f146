using ImapProxy.Capture.Faults;

namespace ImapProxy.Faults;

/// <summary>
/// The rules in force, as the API and the dashboard change them at run time (one edge for both). A session takes the
/// rules into account when some are in force as it opens; one opened with none relays byte-exact to its end.
/// </summary>
internal sealed class FaultRules(FaultRuleSet rules)
{
    /// <summary>Rules in force at once; more are refused (each one is judged on every frame of every session).</summary>
    public const int MaxRules = 100;

    /// <summary>Longer rule texts are refused before they are parsed.</summary>
    public const int MaxRuleLength = 4096;

    public IReadOnlyList<FaultView> List() => rules.Current.Select(FaultView.From).ToList();

    /// <exception cref="FaultRuleException">The rule cannot be used, or there are too many.</exception>
    public FaultView Add(string text)
    {
        if (text.Length > MaxRuleLength) throw new FaultRuleException(MaxRuleLength, $"a rule is at most {MaxRuleLength} characters");
        if (rules.Current.Count >= MaxRules) throw new FaultRuleException(0, $"at most {MaxRules} rules are in force at once; remove one first");
        return FaultView.From(rules.Add(FaultRuleParser.Parse(text.Trim())));
    }

    public bool Remove(int id) => rules.Remove(id);
}
