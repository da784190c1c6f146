using ImapProxy.Recording.Events;

namespace ImapProxy.Recording.Findings;

/// <summary>Findings of the event being judged, with a cap per rule so that one server bug repeated in every FETCH
/// says so a bounded number of times instead of flooding the session.</summary>
internal sealed class FindingList
{
    public const int MaxPerRule = 20;

    private readonly Dictionary<string, int> perRule = new(StringComparer.Ordinal);
    private readonly List<FindingReported> pending = [];

    public void Add(FindingReported finding)
    {
        var count = perRule.GetValueOrDefault(finding.Rule);
        if (count >= MaxPerRule) return;
        perRule[finding.Rule] = count + 1;
        pending.Add(count + 1 == MaxPerRule
            ? finding with { Message = $"{finding.Message} (the {MaxPerRule}th of this rule in the session; later ones are not reported)" }
            : finding);
    }

    public IReadOnlyList<FindingReported> Take()
    {
        if (pending.Count == 0) return [];
        var taken = pending.ToArray();
        pending.Clear();
        return taken;
    }
}
