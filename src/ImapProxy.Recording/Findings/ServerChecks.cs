using ImapProxy.Protocol;
using ImapProxy.Recording.Events;

namespace ImapProxy.Recording.Findings;

/// <summary>How the server treats the client: throttling and overload answers, BAD for commands that parse, and
/// commands much slower than their kind.</summary>
internal sealed class ServerChecks : ISessionCheck
{
    // Response codes that mean "not now" (RFC 5530 §3), and THROTTLED, which some servers (Yahoo, Exchange Online) send.
    private static readonly string[] BusyCodes = ["UNAVAILABLE", "LIMIT", "OVERQUOTA", "INUSE", "THROTTLED"];

    // Texts real servers send when they throttle or shed load (Exchange, Gmail, iCloud, Yahoo), lower case.
    private static readonly string[] BusyTexts =
    [
        "throttl", "user is authenticated but not connected", "too many simultaneous connections", "too many connections",
        "exceeded command or bandwidth limits", "rate limit", "server busy", "server is busy", "temporarily unavailable",
        "try again later", "service unavailable",
    ];

    // A command is slow when it takes this long and this many times the median of its kind so far in the session.
    private static readonly TimeSpan SlowAtLeast = TimeSpan.FromSeconds(1);
    private const int SlowFactor = 10;
    private const int SlowSamples = 4;
    private const int MaxSamples = 1_000;

    private readonly Dictionary<string, List<TimeSpan>> latencies = new(StringComparer.OrdinalIgnoreCase);

    public void Observe(SessionEvent e, AnalysisState state, FindingList found)
    {
        switch (e)
        {
            case FrameParsed { Frame: ResponseFrame { Status: not null } response }:
                if (Busy(response) is { } why)
                    found.Add(FindingRules.ServerThrottled.Report($"{why} in '{Line(response)}'", Evidence(response, state, e.Sequence)));
                if (response is { ResponseKind: ResponseKind.Tagged, Status: ResponseStatus.Bad, Tag: { } tag }
                    && state.Command(tag) is { WellFormed: true } command)
                    found.Add(FindingRules.BadForValidCommand.Report($"{tag} {command.Name}: '{Line(response)}'", command.Sequence, e.Sequence));
                break;
            case CommandCompleted completed:
                Latency(completed, state, found);
                break;
        }
    }

    private void Latency(CommandCompleted completed, AnalysisState state, FindingList found)
    {
        // IDLE lasts as long as the client wants; LOGOUT may wait on the server's cleanup.
        var kind = completed.Command.StartsWith("UID ", StringComparison.OrdinalIgnoreCase) ? completed.Command[4..] : completed.Command;
        if (kind.Equals("IDLE", StringComparison.OrdinalIgnoreCase) || kind.Equals("LOGOUT", StringComparison.OrdinalIgnoreCase)) return;
        if (!latencies.TryGetValue(kind, out var samples)) latencies[kind] = samples = [];
        if (samples.Count >= SlowSamples && completed.Latency >= SlowAtLeast)
        {
            var median = samples.Order().ElementAt(samples.Count / 2);
            if (completed.Latency > median * SlowFactor)
                found.Add(FindingRules.SlowCommand.Report(
                    $"{completed.Tag} {completed.Command} took {completed.Latency.TotalMilliseconds:N0} ms; its {samples.Count} predecessors took {median.TotalMilliseconds:N0} ms at the median",
                    state.LastCompleted is { } command && command.Tag == completed.Tag ? command.Sequence : 0, completed.Sequence));
        }
        if (samples.Count < MaxSamples) samples.Add(completed.Latency);
    }

    private static string? Busy(ResponseFrame response)
    {
        if (response.Code is { Name: var code } && BusyCodes.Contains(code, StringComparer.OrdinalIgnoreCase)) return $"[{code}]";
        if (response.Status == ResponseStatus.Ok || response.Text is not { } text) return null;
        var lower = text.ToLowerInvariant();
        return BusyTexts.FirstOrDefault(lower.Contains) is { } phrase ? $"\"{phrase}\"" : null;
    }

    private static long[] Evidence(ResponseFrame response, AnalysisState state, long sequence) =>
        response.Tag is { } tag && state.Command(tag) is { } command ? [command.Sequence, sequence] : [sequence];

    private static string Line(ResponseFrame response)
    {
        var code = response.Code is { } c ? $"[{c.Name}] " : "";
        var line = $"{response.Tag ?? "*"} {response.Status?.ToString().ToUpperInvariant()} {code}{response.Text}".TrimEnd();
        return line.Length > 120 ? line[..120] + "…" : line;
    }
}
