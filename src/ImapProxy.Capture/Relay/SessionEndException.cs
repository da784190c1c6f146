using ImapProxy.Recording.Events;

namespace ImapProxy.Capture.Relay;

/// <summary>Ends a session with a reason the user can read; thrown from anywhere in the relay, caught once.</summary>
internal sealed class SessionEndException(CloseReason reason, string detail) : Exception(detail)
{
    public CloseReason Reason { get; } = reason;
}
