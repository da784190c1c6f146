using ImapProxy.Protocol.Responses;

namespace ImapProxy.Recording.Findings;

/// <summary>
/// Which message a FETCH is about: by UID within its mailbox when the response has one (stable), else by message
/// number within the mailbox's current numbering (<paramref name="Numbering"/> changes with every EXPUNGE and
/// SELECT, RFC 3501 §2.3.1.2, so facts keyed by an old number are never matched again).
/// </summary>
internal readonly record struct MessageKey(string? Mailbox, bool ByUid, ulong Number, long Numbering)
{
    /// <summary>The message a FETCH response is about: by its UID when it has one.</summary>
    public static MessageKey Of(FetchData fetch, AnalysisState state) => fetch.Uid is { } uid ? ByUidIn(state, uid) : ByNumberIn(state, fetch.SequenceNumber);

    public static MessageKey ByUidIn(AnalysisState state, ulong uid) => new(state.Mailbox, true, uid, 0);

    public static MessageKey ByNumberIn(AnalysisState state, ulong number) => new(state.Mailbox, false, number, state.Numbering);
}
