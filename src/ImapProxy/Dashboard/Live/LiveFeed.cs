using System.Collections.Immutable;
using ImapProxy.Recording.Bus;
using ImapProxy.Recording.Events;

namespace ImapProxy.Dashboard.Live;

/// <summary>
/// The one place live events reach the dashboard from: a non-essential bus subscription (a slow browser drops
/// events, it never slows the relay or the store), drained in batches and handed to every open view.
/// Views subscribe when they initialise and dispose the subscription with themselves, so a closed tab leaves no subscription behind.
/// Other proxies' events, from a shared PostgreSQL store (<see cref="SharedStoreFeed"/>), come in through
/// <see cref="DeliverAsync"/> too, one batch at a time with the local ones.
/// </summary>
public sealed class LiveFeed : BackgroundService
{
    public const int Capacity = 20_000;

    // A browser that falls behind holds at most this much; it drops the rest (never the relay's problem).
    private const long MaxBytes = 64L * 1024 * 1024;
    private const int MaxBatch = 2_000;

    private readonly EventBus.Subscription subscription;
    private readonly ILogger<LiveFeed> logger;
    private ImmutableArray<Func<IReadOnlyList<SessionEvent>, Task>> listeners = [];
    private readonly SemaphoreSlim delivering = new(1, 1);

    public LiveFeed(EventBus bus, ILogger<LiveFeed> logger)
    {
        subscription = bus.Subscribe("dashboard", Capacity, maxBytes: MaxBytes);
        this.logger = logger;
    }

    /// <summary>Events the dashboard missed because it fell behind.</summary>
    public long Dropped => subscription.Dropped;

    public IDisposable Subscribe(Func<IReadOnlyList<SessionEvent>, Task> onEvents)
    {
        ImmutableInterlocked.Update(ref listeners, l => l.Add(onEvents));
        return new Unsubscriber(() => ImmutableInterlocked.Update(ref listeners, l => l.Remove(onEvents)));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = subscription.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                var batch = new List<SessionEvent>();
                while (batch.Count < MaxBatch && reader.TryRead(out var e)) batch.Add(e);
                await DeliverAsync(batch);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Hands a batch to every open view; views see one batch at a time, whichever source it comes from.</summary>
    public async Task DeliverAsync(IReadOnlyList<SessionEvent> batch)
    {
        await delivering.WaitAsync();
        try
        {
            foreach (var listener in listeners)
            {
                try
                {
                    await listener(batch);
                }
                catch (Exception error)
                {
                    // One broken view must not starve the others.
                    logger.LogWarning(error, "A dashboard view failed on live events");
                }
            }
        }
        finally
        {
            delivering.Release();
        }
    }

    public override void Dispose()
    {
        subscription.Dispose();
        delivering.Dispose();
        base.Dispose();
    }

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
