using System.Collections.Immutable;

namespace ImapProxy.Capture.Faults;

/// <summary>A rule in force, numbered from 1 in the order added, with how often it fired.</summary>
public sealed class ActiveFault(int id, FaultRule rule)
{
    private long fired;

    public int Id { get; } = id;
    public FaultRule Rule { get; } = rule;
    public long Fired => Interlocked.Read(ref fired);

    /// <summary>One occasion to fire: false when its times are used up or the dice say no; counts the firing otherwise.</summary>
    internal bool TryFire(Func<double> dice)
    {
        if (Rule.Probability is { } p && dice() >= p) return false;
        while (true)
        {
            var seen = Interlocked.Read(ref fired);
            if (Rule.Times is { } times && seen >= times) return false;
            if (Interlocked.CompareExchange(ref fired, seen + 1, seen) == seen) return true;
        }
    }
}

/// <summary>
/// The fault rules in force for every session, changed at run time by the API and the dashboard. Sessions read a
/// snapshot per frame; an empty set is what keeps the relay byte-exact with no work per frame.
/// </summary>
public sealed class FaultRuleSet
{
    private readonly Lock gate = new();
    private ImmutableList<ActiveFault> rules = [];
    private int lastId;

    public FaultRuleSet(IEnumerable<FaultRule>? initial = null)
    {
        foreach (var rule in initial ?? []) Add(rule);
    }

    public IReadOnlyList<ActiveFault> Current => Volatile.Read(ref rules);

    public bool IsEmpty => Current.Count == 0;

    public ActiveFault Add(FaultRule rule)
    {
        lock (gate)
        {
            var active = new ActiveFault(++lastId, rule);
            Volatile.Write(ref rules, rules.Add(active));
            return active;
        }
    }

    public bool Remove(int id)
    {
        lock (gate)
        {
            var next = rules.RemoveAll(r => r.Id == id);
            if (next.Count == rules.Count) return false;
            Volatile.Write(ref rules, next);
            return true;
        }
    }
}
