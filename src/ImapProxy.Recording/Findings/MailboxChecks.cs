using ImapProxy.Protocol;
using ImapProxy.Protocol.Commands;
using ImapProxy.Protocol.Responses;
using ImapProxy.Recording.Events;

namespace ImapProxy.Recording.Findings;

/// <summary>
/// The selected mailbox's state as the server describes it across responses: UIDVALIDITY, UIDNEXT and
/// HIGHESTMODSEQ per mailbox for the whole session, the message count and the number↔UID map for the selection.
/// </summary>
/// <param name="memory">Earlier sessions' UIDVALIDITYs, to compare this session's with (none: the session alone).</param>
internal sealed class MailboxChecks(MailboxMemory? memory) : ISessionCheck
{
    private const int MaxMailboxes = 10_000;
    // About 32 bytes each: 1.6 MB for a session that lists a 50,000-message mailbox, then no more.
    private const int MaxMappedMessages = 50_000;

    private readonly Dictionary<string, MailboxHistory> mailboxes = new(StringComparer.Ordinal);

    // The current selection (reset by each SELECT/EXAMINE): RFC 3501 §7.3.1 EXISTS, and which UID is at which number.
    private Seen? exists;
    private ulong? existsWhenSelected;
    private long selectedAt;
    private (HashSet<string> Flags, long Sequence)? flags;
    private bool newKeywordsAllowed;
    private readonly Dictionary<ulong, Seen> numberOfUid = [];

    // The event being judged: its session and time go into what the memory keeps.
    private SessionEvent? current;

    public void Observe(SessionEvent e, AnalysisState state, FindingList found)
    {
        current = e;
        switch (e)
        {
            case FrameParsed { Frame: CommandFrame { Args: SelectArgs } }:
                exists = null;
                existsWhenSelected = null;
                selectedAt = e.Sequence;
                flags = null;
                newKeywordsAllowed = false;
                numberOfUid.Clear();
                break;
            case FrameParsed { Frame: ResponseFrame { ResponseKind: ResponseKind.Tagged, Status: ResponseStatus.Ok, Tag: { } tag } }
                when state.Command(tag)?.Args is SelectArgs:
                existsWhenSelected = exists?.Value;
                break;
            case FrameParsed { Frame: ResponseFrame response }:
                Response(response, e.Sequence, state, found);
                break;
        }
    }

    private void Response(ResponseFrame response, long sequence, AnalysisState state, FindingList found)
    {
        if (response.Code is { } code && state.Mailbox is { } mailbox && response.ResponseKind != ResponseKind.Tagged)
            Code(code, mailbox, sequence, found, state);
        // RFC 3501 §7.1: "\*" in PERMANENTFLAGS lets clients make new keywords, which then need not be in FLAGS yet.
        if (response.Code is { Name: "PERMANENTFLAGS", Items: { } permanent }) newKeywordsAllowed = permanent.Contains("\\*");
        switch (response.Data)
        {
            case StatusData status:
                // STATUS reports the same numbers for any mailbox, selected or not (RFC 3501 §6.3.10).
                if (History(status.Mailbox) is { } history)
                {
                    if (status.Items.TryGetValue("UIDVALIDITY", out var validity))
                    {
                        history.UidValidity(status.Mailbox, validity, sequence, found);
                        CompareWithEarlierSessions(status.Mailbox, validity, sequence, state, found);
                    }
                    if (status.Items.TryGetValue("UIDNEXT", out var next)) history.UidNext(status.Mailbox, next, sequence, found);
                    if (status.Items.TryGetValue("HIGHESTMODSEQ", out var modSeq)) history.HighestModSeq(status.Mailbox, modSeq, sequence, found);
                }
                break;
            case NumberData { Number: var n } when response.Name == "EXISTS":
                if (exists is { } before && n < before.Value)
                    found.Add(FindingRules.ExistsShrank.Report(
                        $"{Name(state)} went from {before.Value} to {n} messages with no EXPUNGE or VANISHED in between", before.Sequence, sequence));
                exists = new(n, sequence);
                break;
            case NumberData { Number: var n } when response.Name == "EXPUNGE":
                if (exists is { } count)
                {
                    if (n == 0 || n > count.Value)
                        found.Add(FindingRules.SequenceAboveExists.Report(
                            $"EXPUNGE {n} in {Name(state)}, which has {count.Value} messages", count.Sequence, sequence));
                    else exists = count with { Value = count.Value - 1 };
                }
                numberOfUid.Clear();
                break;
            case VanishedData { Earlier: false } vanished:
                // RFC 7162 §3.2.10: VANISHED without EARLIER removes the messages, like EXPUNGE does.
                if (exists is { } total && UidSets.Count(vanished.Uids) is { } gone)
                    exists = total with { Value = gone > total.Value ? 0 : total.Value - gone };
                numberOfUid.Clear();
                break;
            case FlagsData announced:
                flags = (new HashSet<string>(announced.Flags, StringComparer.OrdinalIgnoreCase), sequence);
                break;
            case FetchData fetch:
                Fetch(fetch, sequence, state, found);
                break;
        }
    }

    private void Fetch(FetchData fetch, long sequence, AnalysisState state, FindingList found)
    {
        if (exists is { } count && (fetch.SequenceNumber == 0 || fetch.SequenceNumber > count.Value))
            found.Add(FindingRules.SequenceAboveExists.Report(
                $"FETCH for message {fetch.SequenceNumber} in {Name(state)}, which has {count.Value} messages", count.Sequence, sequence));
        if (flags is var (listed, listedAt) && fetch.Flags is { } carried
            && carried.FirstOrDefault(f => !listed.Contains(f) && !f.Equals("\\Recent", StringComparison.OrdinalIgnoreCase)
                                          && !(newKeywordsAllowed && !f.StartsWith('\\'))) is { } stray)
            found.Add(FindingRules.FlagNotAnnounced.Report($"message {fetch.SequenceNumber} has {stray}, which FLAGS did not list", listedAt, sequence));
        if (fetch.ModSeq is 0)
            found.Add(FindingRules.ModSeqNotIncreasing.Report($"MODSEQ 0 for message {fetch.SequenceNumber} (mod-sequences are positive)", sequence));
        if (fetch.Uid is not { } uid) return;
        if (numberOfUid.TryGetValue(uid, out var earlier) && earlier.Value != fetch.SequenceNumber)
            found.Add(FindingRules.UidUnderTwoNumbers.Report(
                $"UID {uid} was message {earlier.Value} and is now message {fetch.SequenceNumber} in {Name(state)}", earlier.Sequence, sequence));
        else if (numberOfUid.Count < MaxMappedMessages)
            numberOfUid[uid] = new(fetch.SequenceNumber, sequence);
        // New messages get UIDs from UIDNEXT on (RFC 3501 §2.3.1.1): only while none arrived since this selection
        // announced it is a UID above it wrong.
        if (state.Mailbox is { } mailbox && History(mailbox)?.Next is { } next && next.Sequence > selectedAt && uid >= next.Value
            && existsWhenSelected is { } selectedCount && exists is { } now && now.Value <= selectedCount)
            found.Add(FindingRules.UidAtOrAboveUidNext.Report(
                $"UID {uid} in {mailbox}, whose UIDNEXT is {next.Value}", next.Sequence, sequence));
    }

    private void CompareWithEarlierSessions(string mailbox, ulong validity, long sequence, AnalysisState state, FindingList found)
    {
        if (memory is null || state.Upstream is not { } server || state.User is not { } user || current is null) return;
        if (memory.Remember(server, user, mailbox, new(validity, current.SessionId, current.Time)) is { } earlier)
            found.Add(FindingRules.UidValidityChangedBetweenSessions.Report(
                $"{mailbox} of {user} on {server} had UIDVALIDITY {earlier.UidValidity} in session {earlier.SessionId} " +
                $"({earlier.Time.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC), now {validity}", sequence));
    }

    private void Code(ResponseCode code, string mailbox, long sequence, FindingList found, AnalysisState state)
    {
        if (code.Number is not { } value || History(mailbox) is not { } history) return;
        switch (code.Name)
        {
            case "UIDVALIDITY":
                history.UidValidity(mailbox, value, sequence, found);
                CompareWithEarlierSessions(mailbox, value, sequence, state, found);
                break;
            case "UIDNEXT":
                history.UidNext(mailbox, value, sequence, found);
                break;
            case "HIGHESTMODSEQ":
                history.HighestModSeq(mailbox, value, sequence, found);
                break;
        }
    }

    private MailboxHistory? History(string mailbox)
    {
        if (mailboxes.TryGetValue(mailbox, out var history)) return history;
        if (mailboxes.Count >= MaxMailboxes) return null;
        return mailboxes[mailbox] = new MailboxHistory();
    }

    private static string Name(AnalysisState state) => state.Mailbox ?? "the selected mailbox";

    /// <summary>A number the server sent and the event it came in.</summary>
    private readonly record struct Seen(ulong Value, long Sequence);

    /// <summary>What the session was told of one mailbox, by SELECT/EXAMINE codes and STATUS alike.</summary>
    private sealed class MailboxHistory
    {
        private Seen? validity;
        private Seen? highestModSeq;

        public Seen? Next { get; private set; }

        public void UidValidity(string mailbox, ulong value, long sequence, FindingList found)
        {
            if (validity is { } before && before.Value != value)
            {
                found.Add(FindingRules.UidValidityChanged.Report($"{mailbox} had UIDVALIDITY {before.Value}, then {value}", before.Sequence, sequence));
                // Another mailbox, as far as UIDs go: what was known of the old one no longer compares.
                Next = null;
                highestModSeq = null;
            }
            validity = new(value, sequence);
        }

        public void UidNext(string mailbox, ulong value, long sequence, FindingList found)
        {
            if (Next is { } before && value < before.Value)
                found.Add(FindingRules.UidNextWentBack.Report($"{mailbox} had UIDNEXT {before.Value}, then {value}", before.Sequence, sequence));
            Next = new(value, sequence);
        }

        public void HighestModSeq(string mailbox, ulong value, long sequence, FindingList found)
        {
            if (value == 0 || highestModSeq is { } before && value < before.Value)
                found.Add(FindingRules.ModSeqNotIncreasing.Report(
                    highestModSeq is { } earlier
                        ? $"{mailbox} had HIGHESTMODSEQ {earlier.Value}, then {value}"
                        : $"{mailbox} has HIGHESTMODSEQ 0 (mod-sequences are positive)",
                    highestModSeq?.Sequence ?? 0, sequence));
            highestModSeq = new(value, sequence);
        }
    }
}
