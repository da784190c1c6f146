using System.Collections.Immutable;
using System.Threading.Channels;
using ImapProxy.Recording.Bus;
using ImapProxy.Recording.Events;

namespace ImapProxy.Dashboard.Live;

/// <summary>
/// The one place live events reach the dashboard from: a non-essential bus subscription (a slow browser drops
/// events, it never slows the relay or the store), drained in batches and handed to every open view.
/// Views subscribe when they initialise and dispose the subscription with themselves, so a closed tab leaves no subscription behind.
/// The bus subscription itself exists only while some view or event stream listens: a proxy nobody watches does no
/// work per event for the dashboard (each wake-up of a reader took a thread and a core from the relay's round trips).
/// Other proxies' events, from a shared PostgreSQL store (<see cref="SharedStoreFeed"/>), come in through
/// <see cref="DeliverAsync"/> too, one batch at a time with the local ones.
/// </summary>
public sealed class LiveFeed(EventBus bus, ILogger<LiveFeed> logger, TimeProvider time) : IHostedService, IDisposable
{
    public const int Capacity = 20_000;

    // A browser that falls behind holds at most this much; it drops the rest (never the relay's problem).
    private const long MaxBytes = 64L * 1024 * 1024;
    private const int MaxBatch = 2_000;

    /// <summary>
    /// How long the first event of a burst waits for the rest: a person watches, and a NOOP round trip alone makes
    /// five events; gathered, an open dashboard wakes at most twenty times a second instead of once per event.
    /// </summary>
    public static readonly TimeSpan Gathering = TimeSpan.FromMilliseconds(50);

    // A view that does not take a batch in this time is skipped for it (a circuit torn down mid-delivery may never
    // answer), so that it cannot hold up the others, nor every later batch.
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(5);

    private readonly object gate = new();
    private ImmutableArray<Func<IReadOnlyList<SessionEvent>, Task>> listeners = [];
    private readonly SemaphoreSlim delivering = new(1, 1);
    private EventBus.Subscription? subscription;
    // The pump of the newest subscription; the next one starts after it, so that views see events in order.
    private Task pumping = Task.CompletedTask;
    private long droppedBefore;
    private bool stopped;

    /// <summary>Events the dashboard missed because it fell behind.</summary>
    public long Dropped
    {
        get
        {
            lock (gate) return droppedBefore + (subscription?.Dropped ?? 0);
        }
    }

    /// <summary>Whether the feed takes events from the bus now (some view or stream listens).</summary>
    public bool Listening
    {
        get
        {
            lock (gate) return subscription is not null;
        }
    }

    public IDisposable Subscribe(Func<IReadOnlyList<SessionEvent>, Task> onEvents)
    {
        lock (gate)
        {
            listeners = listeners.Add(onEvents);
            if (subscription is null && !stopped)
            {
                subscription = bus.Subscribe("dashboard", Capacity, maxBytes: MaxBytes);
                pumping = PumpAsync(pumping, subscription.Reader);
            }
        }
        return new Unsubscriber(() => Unsubscribe(onEvents));
    }

    private void Unsubscribe(Func<IReadOnlyList<SessionEvent>, Task> onEvents)
    {
        lock (gate)
        {
            listeners = listeners.Remove(onEvents);
            if (listeners.IsEmpty) EndSubscription();
        }
    }

    /// <summary>Leaves the bus; the pump hands on what was queued and ends. The caller holds <see cref="gate"/>.</summary>
    private void EndSubscription()
    {
        if (subscription is null) return;
        subscription.Dispose();
        // Read after it left the bus: no drop can come in between.
        droppedBefore += subscription.Dropped;
        subscription = null;
    }

    private async Task PumpAsync(Task earlier, ChannelReader<SessionEvent> reader)
    {
        // An earlier pump never fails (DeliverAsync catches what views throw), but if one did, this one still runs.
        await earlier.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        // Ends when the subscription is disposed and its queue is empty.
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            await Task.Delay(Gathering, time).ConfigureAwait(false);
            List<SessionEvent> batch;
            do
            {
                batch = [];
                while (batch.Count < MaxBatch && reader.TryRead(out var e)) batch.Add(e);
                if (batch.Count > 0) await DeliverAsync(batch).ConfigureAwait(false);
            }
            while (batch.Count == MaxBatch);
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
                    await listener(batch).WaitAsync(DeliveryTimeout, time);
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

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Leaves the bus for good. It does not wait for the pump: what it still holds goes to views that are closing
    /// with the host, and a circuit torn down mid-delivery must not hold the shutdown up.
    /// </summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        lock (gate)
        {
            stopped = true;
            EndSubscription();
        }
    }

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
