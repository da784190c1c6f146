using ImapProxy.Recording.Events;

namespace ImapProxy.Capture.Faults;

/// <summary>Carries out <see cref="SessionFaults"/>' steps for whatever plays the server (the relay, a served capture).</summary>
public static class FaultSteps
{
    // A throttled response goes out in slices this many times a second: smooth enough for a client, few timers.
    private const int BandwidthSlicesPerSecond = 20;

    /// <param name="write">Writes to the client (the caller keeps its writes whole).</param>
    /// <param name="record">Publishes a proxy action in the session's recording.</param>
    /// <returns>The close a rule asked for (the steps after it are not performed), or null.</returns>
    public static async Task<CloseStep?> PerformAsync(IReadOnlyList<FaultStep> steps, Func<ReadOnlyMemory<byte>, CancellationToken, Task> write,
        Action<ProxyAction> record, TimeProvider time, CancellationToken ct)
    {
        foreach (var step in steps)
        {
            switch (step)
            {
                case RecordStep r:
                    record(r.Action);
                    break;
                case WaitStep wait:
                    await Task.Delay(wait.Duration, time, ct);
                    break;
                case SendStep { BytesPerSecond: null } send:
                    await write(send.Bytes, ct);
                    break;
                case SendStep { BytesPerSecond: { } rate } send:
                    await SendThrottledAsync(send.Bytes, rate, write, time, ct);
                    break;
                case CloseStep close:
                    return close;
            }
        }
        return null;
    }

    private static async Task SendThrottledAsync(byte[] bytes, long bytesPerSecond, Func<ReadOnlyMemory<byte>, CancellationToken, Task> write,
        TimeProvider time, CancellationToken ct)
    {
        var slice = (int)Math.Clamp(bytesPerSecond / BandwidthSlicesPerSecond, 1, 64 * 1024);
        var pause = TimeSpan.FromSeconds((double)slice / bytesPerSecond);
        for (var sent = 0; sent < bytes.Length; sent += slice)
        {
            if (sent > 0) await Task.Delay(pause, time, ct);
            await write(bytes.AsMemory(sent, Math.Min(slice, bytes.Length - sent)), ct);
        }
    }
}
