using ImapProxy.Protocol;
using ImapProxy.Protocol.Diagnostics;
using ImapProxy.Recording.Events;

namespace ImapProxy.Recording.Findings;

/// <summary>How the session ended: commands never answered, a response cut off by the client, a server gone
/// without BYE (RFC 3501 §7.1.5), or BYE in the middle of a command.</summary>
internal sealed class EndChecks : ISessionCheck
{
    private const int NamedCommands = 5;

    // The server's last frame, when the end of the stream cut it short (the parser reports it as truncated).
    private (MalformedFrame Frame, long Sequence)? cutResponse;

    public void Observe(SessionEvent e, AnalysisState state, FindingList found)
    {
        switch (e)
        {
            case FrameParsed { Frame: MalformedFrame { Direction: Direction.Server } malformed }
                when malformed.Diagnostics?.Any(d => d.Rule == Rules.Truncated.Id) == true:
                cutResponse = (malformed, e.Sequence);
                break;
            case FrameParsed { Frame: ResponseFrame { ResponseKind: ResponseKind.Untagged, Status: ResponseStatus.Bye } }:
                var interrupted = state.Outstanding.Where(c => !IsEndingOrIdle(c)).ToList();
                if (interrupted.Count > 0)
                    found.Add(FindingRules.ByeMidCommand.Report($"BYE while {Commands(interrupted)} waited for an answer",
                        [.. interrupted.Select(c => c.Sequence), e.Sequence]));
                break;
        }
    }

    public void Close(SessionClosed closed, AnalysisState state, FindingList found)
    {
        var waiting = state.Outstanding.Where(c => !IsEndingOrIdle(c)).OrderBy(c => c.Sequence).ToList();
        var byClient = closed.Reason is CloseReason.ClientClosed or CloseReason.ClientReset;
        if (byClient && cutResponse is { } cut)
        {
            found.Add(FindingRules.ClientGaveUp.Report($"{Progress(cut.Frame)}{(waiting.Count > 0 ? $", while {Commands(waiting)} waited" : "")}",
                [.. waiting.Select(c => c.Sequence), cut.Sequence]));
        }
        else if (waiting.Count > 0 && closed.Reason is not (CloseReason.ProxyShutdown or CloseReason.ProxyStopped or CloseReason.EndOfRecording))
        {
            var who = byClient ? "the client closed" : closed.Reason is CloseReason.ServerClosed or CloseReason.ServerReset ? "the server closed" : "the session ended";
            found.Add(FindingRules.CommandUnanswered.Report($"{who} while {Commands(waiting)} waited for an answer",
                [.. waiting.Select(c => c.Sequence)]));
        }
        if (closed.Reason is CloseReason.ServerClosed or CloseReason.ServerReset && !state.ByeSeen)
            found.Add(FindingRules.ServerClosedWithoutBye.Report(closed.Reason == CloseReason.ServerReset ? "the connection was reset" : "the connection was closed"));
    }

    /// <summary>"at byte 1,200 of a 5,000-byte literal" when a literal was being sent, else how much of the line came.</summary>
    private static string Progress(MalformedFrame frame)
    {
        var end = frame.Offset + frame.Length;
        if (frame.Literals is [.., var literal] && end < literal.Offset + literal.Length)
            return $"at byte {Math.Max(0, end - literal.Offset):N0} of a {literal.Length:N0}-byte literal";
        return $"after {frame.Length:N0} bytes of a response line";
    }

    // LOGOUT's answer may race the close; a client that quits in IDLE has nothing waiting for an answer.
    private static bool IsEndingOrIdle(OutstandingCommand command) =>
        command.Name.Equals("LOGOUT", StringComparison.OrdinalIgnoreCase) || command.Name.Equals("IDLE", StringComparison.OrdinalIgnoreCase);

    private static string Commands(IReadOnlyList<OutstandingCommand> commands) =>
        string.Join(", ", commands.Take(NamedCommands).Select(c => $"{c.Tag} {c.Name}"))
        + (commands.Count > NamedCommands ? $" and {commands.Count - NamedCommands} more" : "");
}
