using ImapProxy.Recording.Events;

namespace ImapProxy.Recording.Findings;

/// <summary>
/// The findings engine of one session: sees its events in order and concludes what a single frame cannot tell
/// (sizes against bytes, mailbox state across responses, capabilities against commands, how the session ended).
/// Pure: no I/O, no clock of its own (event times only). The same code runs live (inside the session's
/// <see cref="SessionRecording"/>) and over a stored or imported session (<see cref="Analyze"/>), so both get the
/// same findings.
/// </summary>
public sealed class SessionAnalyzer
{
    private readonly AnalysisState state = new();
    private readonly FindingList found = new();
    private readonly ISessionCheck[] checks;

    /// <param name="memory">What earlier sessions of the same proxy were told (the relay's sessions share one); without
    /// it the session is judged alone.</param>
    public SessionAnalyzer(MailboxMemory? memory = null) =>
        checks = [new SizeChecks(), new MessageChecks(), new MailboxChecks(memory), new SearchDateChecks(), new CapabilityChecks(), new IdleChecks(), new FetchAnswerChecks(), new EndChecks(),
            new ServerChecks()];

    /// <summary>Judges one stamped event; returns the findings it completes (usually none).</summary>
    public IReadOnlyList<FindingReported> Observe(SessionEvent e)
    {
        // Raw bytes carry no structure; earlier findings and unreadable rows are not evidence.
        if (e is RawBytes or FindingReported or UnreadableEvent or SessionClosed) return [];
        foreach (var check in checks) check.Observe(e, state, found);
        state.Update(e);
        return found.Take();
    }

    /// <summary>The session ends: what its end tells. Called before the <see cref="SessionClosed"/> is published.</summary>
    public IReadOnlyList<FindingReported> Close(SessionClosed closed)
    {
        foreach (var check in checks) check.Close(closed, state, found);
        return found.Take();
    }

    /// <summary>The findings of a whole recorded session, its stored findings ignored (they are what this recomputes).</summary>
    public static IReadOnlyList<FindingReported> Analyze(IEnumerable<SessionEvent> events)
    {
        var analyzer = new SessionAnalyzer();
        var findings = new List<FindingReported>();
        foreach (var e in events)
            findings.AddRange(e is SessionClosed closed ? analyzer.Close(closed) : analyzer.Observe(e));
        return findings;
    }
}
