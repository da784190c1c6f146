using ImapProxy.Protocol;

namespace ImapProxy.Soak.Fuzz;

/// <summary>
/// Plays one plan through the proxy, step by step in conversation order: the side whose turn it is writes the step
/// in its planned pieces while the other side reads exactly that many bytes, which must be the bytes written. Then
/// one side hangs up and the other must see the end of the stream with nothing more before it.
/// </summary>
internal static class FuzzSession
{
    // Generous: the machine is shared and the soak runs niced; only a stalled relay takes this long.
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(20);

    /// <returns>Null when every byte arrived exactly; otherwise what went wrong.</returns>
    public static async Task<string?> PlayAsync(SessionPlan plan, Stream client, Stream server, CancellationToken ct)
    {
        for (var i = 0; i < plan.Steps.Count; i++)
        {
            var step = plan.Steps[i];
            if (step.Bytes.Length == 0) continue;
            var (from, to) = step.Direction == Direction.Client ? (client, server) : (server, client);
            var arrow = step.Direction == Direction.Client ? "client -> server" : "server -> client";
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(StepTimeout);
            var write = WriteAsync(from, step.Bytes, plan.Writes[i], timeout.Token);
            var received = await ReadAsync(to, step.Bytes.Length, timeout.Token);
            var writeFailure = await FailureOf(write);
            if (received.Bytes.AsSpan().SequenceEqual(step.Bytes)) continue;
            var why = received.TimedOut ? "timed out" : received.Error ?? "the connection ended";
            if (writeFailure is not null) why += $"; writing failed: {writeFailure}";
            return $"step {i} ({arrow}): {Difference(step.Bytes, received.Bytes)} ({why})";
        }
        return await HangUpAsync(plan.ClosesFirst == Direction.Client ? (client, server) : (server, client), plan.ClosesFirst, ct);
    }

    private static async Task<string?> HangUpAsync((Stream Closer, Stream Other) streams, Direction closer, CancellationToken ct)
    {
        await streams.Closer.DisposeAsync();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(StepTimeout);
        // Anything at all before the end of the stream is a byte the other side never sent.
        var after = await ReadAsync(streams.Other, 64 * 1024, timeout.Token);
        var otherSide = SessionPlan.Name(closer == Direction.Client ? Direction.Server : Direction.Client);
        if (after.Bytes.Length > 0) return $"{after.Bytes.Length} bytes reached the {otherSide} after the script ended";
        if (after.TimedOut) return $"the {otherSide} was not disconnected within {StepTimeout.TotalSeconds:0} s of the {SessionPlan.Name(closer)} hanging up";
        return null;
    }

    private static async Task WriteAsync(Stream stream, byte[] bytes, Writes writes, CancellationToken ct)
    {
        var offset = 0;
        foreach (var piece in writes.Pieces)
        {
            await stream.WriteAsync(bytes.AsMemory(offset, piece), ct);
            offset += piece;
            if (writes.YieldBetween) await Task.Yield();
        }
    }

    private static async Task<string?> FailureOf(Task write)
    {
        try
        {
            await write;
            return null;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            return e.Message;
        }
    }

    private sealed record Received(byte[] Bytes, bool TimedOut, string? Error);

    /// <summary>Reads until <paramref name="count"/> bytes, the end of the stream, an error or the timeout, and keeps what came.</summary>
    private static async Task<Received> ReadAsync(Stream stream, int count, CancellationToken ct)
    {
        var buffer = new byte[count];
        var filled = 0;
        try
        {
            while (filled < count)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(filled), ct);
                if (n == 0) break;
                filled += n;
            }
            return new Received(buffer[..filled], false, null);
        }
        catch (OperationCanceledException)
        {
            return new Received(buffer[..filled], true, null);
        }
        catch (IOException e)
        {
            return new Received(buffer[..filled], false, e.Message);
        }
    }

    private static string Difference(byte[] expected, byte[] received)
    {
        var same = 0;
        while (same < expected.Length && same < received.Length && expected[same] == received[same]) same++;
        return $"expected {expected.Length} bytes, received {received.Length}, first difference at byte {same}";
    }
}
