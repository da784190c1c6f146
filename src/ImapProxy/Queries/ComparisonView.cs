using ImapProxy.Replay.Compare;
using ImapProxy.Replay.Diff;

namespace ImapProxy.Queries;

/// <summary>One step of two sessions side by side, as the API and the CLI show it.</summary>
/// <param name="Kind">same, differs, only-first, only-second.</param>
/// <param name="FirstCommand">The command's number in the first session (1 for its first command); null when only in the second.</param>
public sealed record ComparedStepView(string Kind, string Command, int? FirstCommand, int? SecondCommand, string? FirstStatus, string? SecondStatus,
    bool ArgumentsDiffer, IReadOnlyList<ResponseChange> Changes)
{
    public static ComparedStepView From(ComparedStep step) => new(
        step.Kind switch { StepKind.Same => "same", StepKind.Differs => "differs", StepKind.OnlyFirst => "only-first", _ => "only-second" },
        step.Command, step.First?.Index + 1, step.Second?.Index + 1,
        step.First?.Status?.ToString().ToUpperInvariant(), step.Second?.Status?.ToString().ToUpperInvariant(), step.ArgumentsDiffer, step.Changes);
}

/// <summary>
/// Two sessions compared (a failing one and a working one against the same server): where their conversations
/// diverge, step by step, and the findings only one of them has.
/// </summary>
public sealed record ComparisonView(long First, long Second, string? FirstApp, string? SecondApp, IReadOnlyList<ComparedStepView> Steps,
    IReadOnlyList<string> FindingsOnlyFirst, IReadOnlyList<string> FindingsOnlySecond)
{
    public int Paired => Steps.Count(s => s.Kind is "same" or "differs");
    public int Differing => Steps.Count(s => s.Kind != "same");

    /// <summary>The first step that is not the same (its index in <see cref="Steps"/>); null when the conversations agree.</summary>
    public int? FirstDivergence
    {
        get
        {
            for (var at = 0; at < Steps.Count; at++)
                if (Steps[at].Kind != "same") return at;
            return null;
        }
    }
}
