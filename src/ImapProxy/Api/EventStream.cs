using System.Threading.Channels;
using ImapProxy.Recording.Events;
using ImapProxy.Dashboard.Live;
using ImapProxy.Storage;

namespace ImapProxy.Api;

/// <summary>
/// <c>GET /api/events/stream?filter=</c>: live events as server-sent events, one JSON object (the stored event
/// shape) per <c>data:</c> line. A slow reader loses events (counted in a comment line), never slows the proxy.
/// </summary>
internal static class EventStream
{
    private const int Buffer = 10_000;
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public static async Task Serve(HttpContext context, LiveFeed feed, Func<EventRow, bool> matches, CancellationToken ct)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        var channel = Channel.CreateBounded<EventRow>(new BoundedChannelOptions(Buffer) { FullMode = BoundedChannelFullMode.DropWrite });
        long dropped = 0;
        using var subscription = feed.Subscribe(events =>
        {
            foreach (var e in events)
            {
                if (e is RawBytes) continue;
                var row = LiveEventRows.From(e);
                if (matches(row) && !channel.Writer.TryWrite(row)) Interlocked.Increment(ref dropped);
            }
            return Task.CompletedTask;
        });

        // The stream is open: say so at once, so clients know they are subscribed before the next session starts.
        await context.Response.WriteAsync(": subscribed\n\n", ct);
        await context.Response.Body.FlushAsync(ct);
        long reported = 0;
        while (!ct.IsCancellationRequested)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(KeepAlive);
            try
            {
                await channel.Reader.WaitToReadAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                await context.Response.WriteAsync(": keep-alive\n\n", ct);
                await context.Response.Body.FlushAsync(ct);
                continue;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            while (channel.Reader.TryRead(out var row))
                await context.Response.WriteAsync($"id: {row.SessionId}-{row.Sequence}\nevent: {row.Type}\ndata: {row.Json}\n\n", ct);
            if (Interlocked.Read(ref dropped) is var lost && lost != reported)
            {
                await context.Response.WriteAsync($": dropped {lost - reported} events (reader too slow)\n\n", ct);
                reported = lost;
            }
            await context.Response.Body.FlushAsync(ct);
        }
    }
}
