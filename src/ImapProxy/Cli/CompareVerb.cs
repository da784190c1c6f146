using System.Text.Json;
using ImapProxy.Protocol;
using ImapProxy.Queries;

namespace ImapProxy.Cli;

/// <summary><c>imapproxy compare A B</c>: where two stored conversations diverge, for a person or (--json) a script.</summary>
internal static class CompareVerb
{
    public static int Print(ComparisonView view, bool all, bool json, TextWriter output)
    {
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(view, FrameJson.Options));
            return view.Differing > 0 ? ExitCodes.Differences : ExitCodes.Ok;
        }
        output.WriteLine($"session {view.First}{App(view.FirstApp)} against session {view.Second}{App(view.SecondApp)}: {view.Paired} commands paired, "
            + $"{view.Steps.Count(s => s.Kind == "differs")} differ; {view.Steps.Count(s => s.Kind == "only-first")} only in {view.First}, "
            + $"{view.Steps.Count(s => s.Kind == "only-second")} only in {view.Second}");
        if (view.FirstDivergence is { } first)
        {
            var step = view.Steps[first];
            output.WriteLine($"first divergence: {step.Command} (command {Number(step.FirstCommand)} of {view.First}, {Number(step.SecondCommand)} of {view.Second})");
        }
        else
        {
            output.WriteLine("the conversations agree");
        }
        output.WriteLine();
        foreach (var step in view.Steps.Where(s => all || s.Kind != "same"))
        {
            var where = step.Kind switch
            {
                "only-first" => $"only in {view.First}",
                "only-second" => $"only in {view.Second}",
                _ => step.Kind,
            };
            var status = step.FirstStatus == step.SecondStatus ? step.FirstStatus : $"{step.FirstStatus ?? "-"} / {step.SecondStatus ?? "-"}";
            output.WriteLine($"{where,-14}{Number(step.FirstCommand),6} / {Number(step.SecondCommand),-6} {step.Command}  {status}"
                + (step.ArgumentsDiffer ? "  (other arguments)" : ""));
            foreach (var change in step.Changes)
                output.WriteLine($"{"",22}{change.Kind} {change.Response}{(change.Path is { } path ? $" {path}" : "")}: {change.Original ?? "-"} → {change.Replay ?? "-"}");
        }
        output.WriteLine();
        output.WriteLine($"findings only in {view.First}: {List(view.FindingsOnlyFirst)}");
        output.WriteLine($"findings only in {view.Second}: {List(view.FindingsOnlySecond)}");
        return view.Differing > 0 ? ExitCodes.Differences : ExitCodes.Ok;
    }

    private static string App(string? app) => app is null ? "" : $" ({app})";

    private static string Number(int? command) => command?.ToString() ?? "-";

    private static string List(IReadOnlyList<string> rules) => rules.Count == 0 ? "none" : string.Join(", ", rules);
}
