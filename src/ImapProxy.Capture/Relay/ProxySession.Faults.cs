using ImapProxy.Capture.Faults;
using ImapProxy.Recording.Events;

namespace ImapProxy.Capture.Relay;

/// <summary>Carrying out the steps of the session's fault rules (<see cref="SessionFaults"/> decides them without sockets).</summary>
internal sealed partial class ProxySession
{
    // A throttled response goes out in slices this many times a second: smooth enough for a client, few timers.
    private const int BandwidthSlicesPerSecond = 20;

    private FaultSession FaultFacts() =>
        new(Id, ClientAddress, options.Upstream.ToString(), recording.State?.User, recording.State?.Mailbox);

    /// <summary>Performs the steps in order. Writes to the client happen only from the server pump, which holds the client lock.</summary>
    private async Task PerformAsync(IReadOnlyList<FaultStep> steps, CancellationToken ct)
    {
        foreach (var step in steps)
        {
            switch (step)
            {
                case RecordStep record:
                    recording.Publish(record.Action);
                    break;
                case WaitStep wait:
                    await Task.Delay(wait.Duration, time, ct);
                    break;
                case SendStep { BytesPerSecond: null } send:
                    await WriteClientLockedAsync(send.Bytes, ct);
                    break;
                case SendStep { BytesPerSecond: { } rate } send:
                    await SendThrottledLockedAsync(send.Bytes, rate, ct);
                    break;
                case CloseStep close:
                    throw new SessionEndException(CloseReason.Fault, close.Detail);
            }
        }
    }

    private async Task SendThrottledLockedAsync(byte[] bytes, long bytesPerSecond, CancellationToken ct)
    {
        var slice = (int)Math.Clamp(bytesPerSecond / BandwidthSlicesPerSecond, 1, BufferSize);
        var pause = TimeSpan.FromSeconds((double)slice / bytesPerSecond);
        for (var sent = 0; sent < bytes.Length; sent += slice)
        {
            if (sent > 0) await Task.Delay(pause, time, ct);
            await WriteClientLockedAsync(bytes.AsMemory(sent, Math.Min(slice, bytes.Length - sent)), ct);
        }
    }
}
