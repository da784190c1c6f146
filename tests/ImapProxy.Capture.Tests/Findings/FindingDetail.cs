using ImapProxy.Recording.Events;

namespace ImapProxy.Capture.Tests.Findings;

internal static class FindingDetail
{
    /// <summary>What a finding says of its case, after its rule's one-line summary ("summary: detail").</summary>
    public static string Detail(this FindingReported finding) => finding.Message.Split(": ", 2)[1];
}
