using ImapProxy.Recording.Events;

namespace ImapProxy.Recording.Findings;

/// <summary>One family of rules: sees every event of the session in order, and its end.</summary>
internal interface ISessionCheck
{
    void Observe(SessionEvent e, AnalysisState state, FindingList found);

    /// <summary>The session ends (before its <see cref="SessionClosed"/> is published): what only the end can tell.</summary>
    void Close(SessionClosed closed, AnalysisState state, FindingList found) { }
}
