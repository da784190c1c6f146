using ImapProxy.Protocol;
using ImapProxy.Replay.Captured;
using ImapProxy.Replay.Diff;

namespace ImapProxy.Replay.Compare;

/// <summary>How one step of two conversations compares.</summary>
public enum StepKind
{
    /// <summary>The same command with the same answer (apart from what differs between two equal servers).</summary>
    Same,

    /// <summary>The same command name, with other arguments, another status or other responses.</summary>
    Differs,

    /// <summary>A command only the first session sent.</summary>
    OnlyFirst,

    /// <summary>A command only the second session sent.</summary>
    OnlySecond,
}

/// <summary>One step: the commands paired (or left alone), by their index in each session, and what differs.</summary>
public sealed record ComparedStep(StepKind Kind, string Command, CapturedExchange? First, CapturedExchange? Second,
    bool ArgumentsDiffer, IReadOnlyList<ResponseChange> Changes);

/// <summary>
/// Two captured conversations side by side (a phone's failing session and a desktop client's working one against
/// the same server): commands are paired in order by name, looking a bounded way ahead for the next common one, and
/// each pair's answers are compared with the replay's <see cref="ResponseDiff"/>. Where they diverge is the first
/// step that is not <see cref="StepKind.Same"/>.
/// </summary>
public static class SessionComparison
{
    // How far ahead a command is looked for in the other session before it is called one-sided: clients reorder
    // a few commands (a NOOP here, a CAPABILITY there), not whole conversations; and the work stays linear.
    private const int LookAhead = 50;

    public static IReadOnlyList<ComparedStep> Compare(CapturedSession first, CapturedSession second, bool strict = false)
    {
        var a = first.Exchanges;
        var b = second.Exchanges;
        var steps = new List<ComparedStep>();
        int i = 0, j = 0;
        while (i < a.Count || j < b.Count)
        {
            if (i < a.Count && j < b.Count && SameName(a[i], b[j]))
            {
                steps.Add(Pair(a[i++], b[j++], strict));
                continue;
            }
            var inSecond = i < a.Count ? Find(b, j, a[i]) : -1;
            var inFirst = j < b.Count ? Find(a, i, b[j]) : -1;
            // Skip the fewer commands: the side whose next command the other session sends sooner.
            if (inSecond >= 0 && (inFirst < 0 || inSecond - j <= inFirst - i))
                while (j < inSecond) steps.Add(new ComparedStep(StepKind.OnlySecond, b[j].Name, null, b[j++], false, []));
            else if (inFirst >= 0)
                while (i < inFirst) steps.Add(new ComparedStep(StepKind.OnlyFirst, a[i].Name, a[i++], null, false, []));
            else
            {
                if (i < a.Count) steps.Add(new ComparedStep(StepKind.OnlyFirst, a[i].Name, a[i++], null, false, []));
                if (j < b.Count) steps.Add(new ComparedStep(StepKind.OnlySecond, b[j].Name, null, b[j++], false, []));
            }
        }
        return steps;
    }

    private static ComparedStep Pair(CapturedExchange first, CapturedExchange second, bool strict)
    {
        var arguments = first.Key != second.Key;
        var changes = ResponseDiff.Compare(first.Responses, second.Responses, strict);
        var same = !arguments && changes.Count == 0 && first.Status == second.Status;
        return new ComparedStep(same ? StepKind.Same : StepKind.Differs, first.Name, first, second, arguments, changes);
    }

    private static int Find(IReadOnlyList<CapturedExchange> exchanges, int from, CapturedExchange wanted)
    {
        for (var k = from; k < exchanges.Count && k < from + LookAhead; k++)
            if (SameName(exchanges[k], wanted)) return k;
        return -1;
    }

    private static bool SameName(CapturedExchange a, CapturedExchange b) => a.Name.Equals(b.Name, StringComparison.OrdinalIgnoreCase);
}
