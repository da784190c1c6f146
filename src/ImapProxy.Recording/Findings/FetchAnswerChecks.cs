using ImapProxy.Protocol;
using ImapProxy.Protocol.Commands;
using ImapProxy.Protocol.Responses;
using ImapProxy.Recording.Events;

namespace ImapProxy.Recording.Findings;

/// <summary>
/// A tagged OK for a FETCH while data it asked for is still outstanding. A FETCH by message numbers returns data for
/// each message it names (RFC 3501 §6.4.5), and message numbers are dense (§2.3.1.2): when the server answered
/// message 5 of "1:5" but never message 3, message 3 exists and was left out. Judged only where that is certain:
/// sets without "*", numbers below the highest one answered (without EXISTS, the ones above may not exist), and no
/// EXPUNGE or VANISHED while the command ran (RFC 2180 §4.1 lets a server leave out a message another session
/// expunged). UID FETCH is not judged: a UID that is not there is ignored by design.
/// </summary>
internal sealed class FetchAnswerChecks : ISessionCheck
{
    // A FETCH of more numbers is judged on its first ones; pipelined FETCHes beyond this many are not judged.
    private const int MaxNumbers = 10_000;
    private const int MaxPending = 100;
    private const int NamedInDetail = 5;

    private sealed record Pending(string Set, HashSet<ulong> Asked, HashSet<ulong> Answered, long Numbering, long Sequence);

    private readonly Dictionary<string, Pending> pending = new(StringComparer.Ordinal);

    public void Observe(SessionEvent e, AnalysisState state, FindingList found)
    {
        switch (e)
        {
            case FrameParsed { Frame: CommandFrame { Args: FetchArgs { Uid: false } fetch } command }
                when !fetch.SequenceSet.Contains('*') && (pending.Count < MaxPending || pending.ContainsKey(command.Tag)):
                pending[command.Tag] = new(fetch.SequenceSet, [.. UidSets.Numbers(fetch.SequenceSet, MaxNumbers)], [], state.Numbering, e.Sequence);
                break;
            case FrameParsed { Frame: ResponseFrame { Data: FetchData data } }:
                foreach (var asked in pending.Values)
                {
                    if (asked.Asked.Contains(data.SequenceNumber)) asked.Answered.Add(data.SequenceNumber);
                }
                break;
            case FrameParsed { Frame: ResponseFrame { ResponseKind: ResponseKind.Tagged, Tag: { } tag, Status: var status } }:
                if (pending.Remove(tag, out var done) && status == ResponseStatus.Ok && done.Numbering == state.Numbering)
                    Judge(done, e.Sequence, found);
                break;
        }
    }

    private static void Judge(Pending done, long completion, FindingList found)
    {
        if (done.Answered.Count == 0) return;
        var highest = done.Answered.Max();
        var missing = done.Asked.Where(n => n < highest && !done.Answered.Contains(n)).Order().ToList();
        if (missing.Count == 0) return;
        var named = string.Join(", ", missing.Take(NamedInDetail)) + (missing.Count > NamedInDetail ? $" and {missing.Count - NamedInDetail} more" : "");
        found.Add(FindingRules.FetchAnswerIncomplete.Report(
            $"FETCH {done.Set} got no data for message{(missing.Count == 1 ? "" : "s")} {named}, while message {highest} was answered",
            done.Sequence, completion));
    }
}
