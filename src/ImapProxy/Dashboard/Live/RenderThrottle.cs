namespace ImapProxy.Dashboard.Live;

/// <summary>
/// One view's live renders, at most one per interval, and no change left unrendered: the first change renders at
/// once, the changes that come within the interval after a render are rendered together at its end. Byte counters
/// move with every chunk relayed; a browser needs a few updates a second, not one per chunk.
/// </summary>
public sealed class RenderThrottle(Func<Task> render, TimeProvider time) : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private readonly Lock gate = new();
    private long? lastRender;
    private ITimer? due;
    private bool disposed;

    /// <summary>Something visible changed: render it, now or at the end of the interval.</summary>
    public void Request()
    {
        lock (gate)
        {
            if (due is not null || disposed) return;
            var wait = lastRender is { } last ? Interval - time.GetElapsedTime(last) : TimeSpan.Zero;
            if (wait > TimeSpan.Zero)
            {
                due = time.CreateTimer(_ => Fire(), null, wait, Timeout.InfiniteTimeSpan);
                return;
            }
            lastRender = time.GetTimestamp();
        }
        _ = render();
    }

    private void Fire()
    {
        lock (gate)
        {
            due?.Dispose();
            due = null;
            if (disposed) return;
            lastRender = time.GetTimestamp();
        }
        _ = render();
    }

    public void Dispose()
    {
        lock (gate)
        {
            disposed = true;
            due?.Dispose();
            due = null;
        }
    }
}
