using ImapProxy.Protocol;

namespace ImapProxy.Capture.Faults;

/// <summary>The session a frame belongs to, as the relay knows it at that moment.</summary>
public sealed record FaultSession(long Id, string ClientAddress, string Upstream, string? User, string? Mailbox);

/// <summary>
/// Selects frames for a fault rule: the filter language, judged on one live frame and its session. Implemented by the
/// executable, which owns the filter language; the relay only asks.
/// </summary>
public interface IFaultFilter
{
    /// <summary>The filter as the user wrote it.</summary>
    string Text { get; }

    bool Selects(FaultSession session, ImapFrame frame);
}
