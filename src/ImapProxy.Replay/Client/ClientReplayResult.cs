using ImapProxy.Protocol;
using ImapProxy.Replay.Captured;
using ImapProxy.Replay.Diff;

namespace ImapProxy.Replay.Client;

/// <summary>What happened to one captured command in the replay, and how the answers differ.</summary>
/// <param name="Note">Why the command was not compared: skipped (STARTTLS, COMPRESS), not sent (stopped before it).</param>
public sealed record ExchangeOutcome(
    int Index, string Tag, string Command, ResponseStatus? OriginalStatus, ResponseStatus? ReplayStatus,
    IReadOnlyList<ResponseChange> Changes, string? Note)
{
    public bool Same => Note is null && Changes.Count == 0;

    /// <summary>The command as sent when the replay changed it (a read-only replay's SELECT goes as EXAMINE).</summary>
    public string? SentAs { get; init; }
}

/// <param name="ReplaySessionId">The stored session that recorded the replay.</param>
/// <param name="Stopped">Why the replay ended before the last command, if it did.</param>
public sealed record ClientReplayResult(long OriginalSessionId, long ReplaySessionId, string Target, IReadOnlyList<ExchangeOutcome> Exchanges, string? Stopped)
{
    public int Differing => Exchanges.Count(x => !x.Same && x.Note is null);
}

/// <summary>The answers the replay got to one command, before comparison.</summary>
internal sealed record ReplayedExchange(CapturedExchange Original, IReadOnlyList<ResponseFrame> Responses, ResponseStatus? Status, string? Note)
{
    public string? SentAs { get; init; }
}
