using System.Diagnostics;
using System.Threading.Channels;
using System.Data.Common;
using ImapProxy.Recording.Bus;
using ImapProxy.Recording.Events;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ImapProxy.Storage.Writing;

/// <summary>
/// The one writer in front of the database. It takes what its bus subscription has queued (up to a batch's
/// limits), writes it in one transaction, and repeats; when the host stops or the subscription ends it writes
/// what is left before returning. It owns the subscription and disposes of it.
/// </summary>
public sealed class EventStoreWriter : BackgroundService
{
    private readonly EventStore store;
    private readonly EventBus.Subscription subscription;
    private readonly ChannelReader<SessionEvent> queue;
    private readonly ILogger logger;
    private readonly List<SessionEvent> batch = [];
    private readonly LostEvents lost = new();
    private readonly TimeProvider time;
    private StoreHealth health = StoreHealth.Ok;
    private DateTimeOffset lastFailureLog;

    private TaskCompletionSource batchDone = NewSignal();
    private int waiters;
    private long handled;
    private int running;
    private volatile bool stopped;
    private long eventsWritten;
    private long rawBytesWritten;
    private long eventsSkipped;
    private long eventsLost;
    private long batches;
    private int lastBatchSize;

    /// <param name="subscription">An essential subscription (its drops mark capture incomplete); the writer owns it.</param>
    public EventStoreWriter(EventStore store, EventBus.Subscription subscription, ILogger<EventStoreWriter> logger, TimeProvider? time = null)
    {
        this.time = time ?? TimeProvider.System;
        this.store = store;
        this.subscription = subscription;
        this.logger = logger;
        queue = subscription.Reader;
    }

    /// <summary>Rows written to the events table.</summary>
    public long EventsWritten => Interlocked.Read(ref eventsWritten);

    /// <summary>Bytes written to the raw table.</summary>
    public long RawBytesWritten => Interlocked.Read(ref rawBytesWritten);

    /// <summary>Events refused one by one (duplicate sequence, unserializable); logged.</summary>
    public long EventsSkipped => Interlocked.Read(ref eventsSkipped);

    /// <summary>Events of batches the database refused as a whole (disk full, I/O error); logged.</summary>
    public long EventsLost => Interlocked.Read(ref eventsLost);

    /// <summary>Events the bus could not queue for the store because the queue was full.</summary>
    public long EventsDropped => subscription.Dropped;

    /// <summary>Transactions committed: one per batch.</summary>
    public long Batches => Interlocked.Read(ref batches);

    /// <summary>Events (raw chunks included) in the last batch.</summary>
    public int LastBatchSize => Volatile.Read(ref lastBatchSize);

    /// <summary>Whether the store is writing, and if not since when and why (the status page and /api/health say it).</summary>
    public StoreHealth Health => Volatile.Read(ref health);

    /// <summary>Why the last batch that failed did (kept after recovery: on a nearly full disk small batches may pass again).</summary>
    public string? LastProblem => Volatile.Read(ref lastProblem);

    private string? lastProblem;

    /// <summary>
    /// Completes when every event queued before the call has been written (or has failed), or once the writer has
    /// stopped; events queued after the call are not waited for, so a busy proxy does not hold it up. For readers that
    /// must see what was just published (the dashboard's filtered lists, tests, the import's pacing) instead of sleeping.
    /// </summary>
    public async Task WaitUntilWrittenAsync(CancellationToken cancellationToken)
    {
        var mark = subscription.Accepted;
        // Whoever waits would rather not wait for events to gather (Gather).
        Interlocked.Increment(ref waiters);
        try
        {
            while (true)
            {
                // Take the signal before looking, so a batch that ends between the look and the wait still wakes us.
                var next = Volatile.Read(ref batchDone).Task;
                // The queue is first in, first out and one thread writes it out: once as many events as were queued
                // at the mark are handled, every one of them is.
                if (Interlocked.Read(ref handled) >= mark || stopped) return;
                await next.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            Interlocked.Decrement(ref waiters);
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Interlocked.Exchange(ref running, 1) == 1) return Task.CompletedTask;
        // A thread of its own, at a lower scheduling priority: on a busy machine the relay's pumps, which clients wait
        // for, go first, and the store catches up while they wait (its queue is bounded and sheds beyond that).
        return BackgroundThread.Run("event store writer", () => Run(stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        // A host that stops right after starting may cancel ExecuteAsync before it ever ran: drain the queue here then.
        if (Interlocked.Exchange(ref running, 1) == 0) Run(new CancellationToken(canceled: true));
    }

    private void Run(CancellationToken stoppingToken)
    {
        try
        {
            using var writer = new BatchWriter(store, logger);
            try
            {
                while (Next(writer, stoppingToken))
                {
                    Gather(stoppingToken);
                    WriteQueued(writer);
                    // Never quiet for a second: the unindexed tail, which text: reads row by row, must not grow unbounded.
                    if (unindexed >= IndexAnywayAbove) IndexSteps(writer, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
            // The host is stopping or the subscription ended: what is already queued still goes to disk.
            WriteQueued(writer);
        }
        catch (Exception e)
        {
            logger.LogCritical(e, "Event store writer stopped: {Path}", store.Location);
            // Nothing reads the queue any more: let the bus drop instead of holding events, and say so in the health.
            subscription.Dispose();
            Volatile.Write(ref health, new StoreHealth(false, $"the store's writer stopped: {e.Message}", time.GetUtcNow()));
            throw;
        }
        finally
        {
            stopped = true;
            Signal();
        }
    }

    /// <summary>
    /// Waits for events; indexes text after a quiet second meanwhile; while the store is failing, also wakes now and
    /// then with none, so that what was lost is said in the sessions' rows as soon as the disk has room again, even if
    /// no session is running.
    /// </summary>
    private bool Next(BatchWriter writer, CancellationToken stoppingToken)
    {
        if (unindexed > 0 && queue.Count == 0 && WaitAtMost(QuietBeforeIndexing, stoppingToken) is not true) IndexSteps(writer, stoppingToken);
        return lost.IsEmpty ? Wait(stoppingToken) : WaitAtMost(RetryEvery, stoppingToken) ?? true;
    }

    /// <summary>
    /// Lets a trickle of interactive events (a NOOP makes five) gather into one transaction for up to
    /// <see cref="StorageOptions.CoalesceDelay"/>: each commit writes every page it touched (the events, their
    /// indexes, the session's row) again, so fewer commits cost the relay less CPU and fewer stalls. It ends early
    /// once a full batch is queued (a bulk transfer is written at once, before the queue nears its budget), when the
    /// host stops, or when <see cref="WaitUntilWrittenAsync"/> asks. Looked at every <see cref="GatherSlice"/>: a
    /// sleeping thread woken that often costs next to nothing.
    /// </summary>
    private void Gather(CancellationToken stoppingToken)
    {
        var options = store.Options;
        // Real time, whatever clock the health is stamped with: this is how long the thread sleeps.
        var started = Stopwatch.GetTimestamp();
        while (queue.Count < options.MaxBatchEvents && subscription.QueuedBytes < options.MaxBatchBytes && Volatile.Read(ref waiters) == 0
               && Stopwatch.GetElapsedTime(started) is var waited && waited < options.CoalesceDelay)
        {
            var slice = options.CoalesceDelay - waited;
            if (stoppingToken.WaitHandle.WaitOne(slice < GatherSlice ? slice : GatherSlice)) return;
        }
    }

    private static readonly TimeSpan GatherSlice = TimeSpan.FromMilliseconds(5);

    /// <summary>Blocks this thread (the writer's own) until an event is queued or the queue is done.</summary>
    private bool Wait(CancellationToken cancellationToken) => queue.WaitToReadAsync(cancellationToken).AsTask().GetAwaiter().GetResult();

    /// <summary><see cref="Wait"/> for at most <paramref name="time"/>: null when nothing came meanwhile.</summary>
    private bool? WaitAtMost(TimeSpan time, CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(time);
        try
        {
            return Wait(timeout.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan QuietBeforeIndexing = TimeSpan.FromSeconds(1);

    /// <summary>Ten steps of the text index (a scan of this many rows takes a text: search some 10 ms).</summary>
    private const long IndexAnywayAbove = 10_000;

    /// <summary>Events written and not known to be indexed; 1 at the start (the store may hold a tail from before).</summary>
    private long unindexed = 1;
    private static readonly TimeSpan FailureLogEvery = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Text indexing costs about as much as writing (Sqlite/TextIndex.cs), so it waits for a second without events
    /// (<see cref="QuietBeforeIndexing"/>) rather than run between the batches of a conversation, where it took the
    /// CPU from the relay, or for <see cref="IndexAnywayAbove"/> unindexed events. It goes a step at a time, on while
    /// nothing is queued: events that arrive wait for one step at most. What is not indexed yet is still searched,
    /// only slower. A step the database refuses is left for the next quiet moment.
    /// </summary>
    private void IndexSteps(BatchWriter writer, CancellationToken stoppingToken)
    {
        try
        {
            do
            {
                var indexed = writer.IndexText();
                unindexed = indexed == 0 ? 0 : Math.Max(1, unindexed - indexed);
            }
            while (unindexed > 0 && queue.Count == 0 && !stoppingToken.IsCancellationRequested);
        }
        catch (DbException e)
        {
            logger.LogDebug(e, "Event store: text indexing put off ({Problem})", store.Describe(e));
        }
    }

    private void WriteQueued(BatchWriter writer)
    {
        while (true)
        {
            var taken = TakeBatch();
            if (taken > 0 || !lost.IsEmpty) Write(writer);
            Interlocked.Add(ref handled, taken);
            Signal();
            if (taken == 0) return;
        }
    }

    private int TakeBatch()
    {
        batch.Clear();
        long bytes = 0;
        var options = store.Options;
        while (batch.Count < options.MaxBatchEvents && bytes < options.MaxBatchBytes && queue.TryRead(out var e))
        {
            batch.Add(e);
            if (e is RawBytes chunk) bytes += chunk.Data.Length;
        }
        return batch.Count;
    }

    private void Write(BatchWriter writer)
    {
        try
        {
            var result = writer.Write(batch, lost);
            lost.Clear();
            Interlocked.Add(ref eventsWritten, result.Events);
            unindexed += result.Events;
            Interlocked.Add(ref rawBytesWritten, result.RawBytes);
            Interlocked.Add(ref eventsSkipped, result.Skipped);
            Interlocked.Increment(ref batches);
            Volatile.Write(ref lastBatchSize, batch.Count);
            // A retry that carried only the lost sessions' marks proves little: a raw file that cannot be written, or
            // a disk with room for a few rows only, fails again with the next events. The store writes again once a
            // batch of events commits.
            if (batch.Count > 0) Recovered();
        }
        catch (Exception e)
        {
            // The batch is lost, the writer is not: the next batch may well succeed (space freed, disk back). Its
            // sessions are marked incomplete (and closed, if their close was in it) by the first batch that commits.
            lost.Add(batch);
            Interlocked.Add(ref eventsLost, batch.Count);
            Failed(e);
        }
        finally
        {
            // Written or lost, the batch's raw chunks are done with here: pooled ones may go back to their pool.
            foreach (var e in batch) (e as RawBytes)?.Lease?.Release();
            batch.Clear();
        }
    }

    private void Failed(Exception e)
    {
        var now = time.GetUtcNow();
        var problem = e is DbException database ? store.Describe(database) : e.Message;
        Volatile.Write(ref lastProblem, problem);
        var was = Health;
        Volatile.Write(ref health, new StoreHealth(false, problem, was.Writing ? now : was.FailingSince));
        // A line when it starts, then at most one a minute, whatever the state does meanwhile: on a nearly full disk
        // small batches pass and large ones fail, and the log must not fill the console with that.
        if (now - lastFailureLog < FailureLogEvery) return;
        lastFailureLog = now;
        logger.LogError("Event store cannot write ({Problem}): {Lost} events lost so far, the relay goes on; {Path}", problem, EventsLost, store.Location);
    }

    private void Recovered()
    {
        var was = Health;
        if (was.Writing) return;
        Volatile.Write(ref health, StoreHealth.Ok);
        if (time.GetUtcNow() - lastFailureLog < FailureLogEvery) return; // said with the next failure line, if any
        logger.LogWarning("Event store writes again after {Duration} ({Lost} events lost; those sessions are marked incomplete)",
            time.GetUtcNow() - was.FailingSince, EventsLost);
    }

    private void Signal() => Interlocked.Exchange(ref batchDone, NewSignal()).TrySetResult();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override void Dispose()
    {
        base.Dispose();
        subscription.Dispose();
    }
}
