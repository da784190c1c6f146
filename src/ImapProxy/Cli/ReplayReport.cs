using System.Text;
using ImapProxy.Replay.Client;

namespace ImapProxy.Cli;

/// <summary>A client replay's result as text: one line per command, its differences indented under it.</summary>
internal static class ReplayReport
{
    public static string Text(ClientReplayResult result)
    {
        var text = new StringBuilder();
        text.AppendLine($"replay of session {result.OriginalSessionId} against {result.Target}, stored as session {result.ReplaySessionId}");
        foreach (var x in result.Exchanges)
        {
            var statuses = $"{Word(x.OriginalStatus)} -> {Word(x.ReplayStatus)}";
            var verdict = x.Note ?? (x.Changes.Count == 0 ? "same" : $"{x.Changes.Count} difference(s)");
            var sentAs = x.SentAs is { } sent ? $" (sent as {sent})" : "";
            text.AppendLine($"  {x.Tag} {x.Command}{sentAs}  {statuses}  {verdict}");
            foreach (var c in x.Changes)
            {
                text.AppendLine(c.Kind switch
                {
                    "changed" => $"      {c.Response}  {c.Path}: {c.Original} -> {c.Replay}",
                    "missing" => $"      - {c.Response}  (only in the capture) {c.Original}",
                    _ => $"      + {c.Response}  (only in the replay) {c.Replay}",
                });
            }
        }
        var compared = result.Exchanges.Count(x => x.Note is null);
        text.AppendLine($"{result.Exchanges.Count} commands: {compared - result.Differing} same, {result.Differing} differ, " +
            $"{result.Exchanges.Count - compared} not compared" + (result.Stopped is { } s ? $"; stopped: {s}" : ""));
        return text.ToString();
    }

    private static string Word(Protocol.ResponseStatus? status) => status?.ToString().ToUpperInvariant() ?? "-";
}
