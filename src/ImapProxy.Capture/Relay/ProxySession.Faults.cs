using ImapProxy.Capture.Faults;
using ImapProxy.Recording.Events;

namespace ImapProxy.Capture.Relay;

/// <summary>Carrying out the steps of the session's fault rules (<see cref="SessionFaults"/> decides them without sockets).</summary>
internal sealed partial class ProxySession
{
    private FaultSession FaultFacts() =>
        new(Id, ClientAddress, options.Upstream.ToString(), recording.State?.User, recording.State?.Mailbox);

    /// <summary>Performs the steps in order. Writes to the client happen only from the server pump, which holds the client lock.</summary>
    private async Task PerformAsync(IReadOnlyList<FaultStep> steps, CancellationToken ct)
    {
        if (await FaultSteps.PerformAsync(steps, WriteClientLockedAsync, recording.Publish, time, ct) is { } close)
            throw new SessionEndException(CloseReason.Fault, close.Detail);
    }
}
