using ImapProxy.Replay.Captured;

namespace ImapProxy.Replay.Server;

/// <summary>
/// Finds the captured command that a client's command stands for: the next unused one with the same
/// <see cref="CommandKey"/>, looking ahead from the last match first, then back (a client may reorder a little).
/// </summary>
internal sealed class ExchangeMatcher(IReadOnlyList<CapturedExchange> exchanges)
{
    private readonly bool[] used = new bool[exchanges.Count];
    private int cursor;

    /// <summary>The next captured command not yet served, for messages.</summary>
    public CapturedExchange? Next => Unused.FirstOrDefault();

    /// <summary>The next captured command of this name not yet served: what a command that matched nothing is compared with.</summary>
    public CapturedExchange? NextNamed(string name) => Unused.FirstOrDefault(x => string.Equals(x.Name, name, StringComparison.OrdinalIgnoreCase));

    private IEnumerable<CapturedExchange> Unused => Order.Where(i => !used[i]).Select(i => exchanges[i]);

    private IEnumerable<int> Order => Enumerable.Range(cursor, exchanges.Count - cursor).Concat(Enumerable.Range(0, cursor));

    public CapturedExchange? Take(string key)
    {
        foreach (var i in Order)
        {
            if (used[i] || exchanges[i].Key != key) continue;
            used[i] = true;
            cursor = i + 1;
            return exchanges[i];
        }
        return null;
    }
}
