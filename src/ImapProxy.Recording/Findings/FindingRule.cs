using ImapProxy.Protocol.Diagnostics;
using ImapProxy.Recording.Events;

namespace ImapProxy.Recording.Findings;

/// <summary>
/// One rule of the findings engine: a stable id (filters say <c>finding:ID</c>), a severity, the RFC section it
/// holds the peer to, a one-line summary and what clients are known to do when they meet it.
/// </summary>
public sealed record FindingRule(string Id, Severity Severity, string? Rfc, string Summary, string? ClientImpact)
{
    /// <summary>This rule's finding for one case: the summary with the case's figures, and the events that prove it.</summary>
    public FindingReported Report(string detail, params long[] evidence) => new()
    {
        Source = EventSource.Proxy,
        Rule = Id,
        Severity = Severity,
        Rfc = Rfc,
        Message = $"{Summary}: {detail}",
        ClientImpact = ClientImpact,
        Evidence = evidence.Where(s => s > 0).Distinct().Order().ToArray(),
    };
}
