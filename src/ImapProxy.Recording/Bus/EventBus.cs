using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using ImapProxy.Recording.Events;

namespace ImapProxy.Recording.Bus;

/// <summary>
/// Fans session events out to subscribers (the store, live views). Publishing never blocks: each subscriber has
/// its own queue, bounded in events and in bytes, and an event that does not fit is dropped and counted for that
/// subscriber, except a session's opening, end and drop notices, which always get in. A relay that would rather
/// slow down than lose bytes asks <see cref="WaitForRoomAsync"/> first: it waits while the store is behind, for
/// <see cref="StorePatience"/> at most; a store that makes no room in that time is stalled, and nobody waits for it
/// again until it has caught up. A slow browser never slows anyone.
/// </summary>
public sealed class EventBus
{
    /// <summary>
    /// Fill of the fullest essential queue below which there is room. Above it, recordings let large literals go
    /// (size and hash kept) and waiting relays wait: half full leaves the rest of the queue to the frames.
    /// </summary>
    public const double RoomBelow = 0.5;

    /// <summary>
    /// Fill past which large literals go even for relays that wait: many sessions woken together each feed a chunk
    /// before the next look, and frames must still fit.
    /// </summary>
    public const double NearlyFull = 0.9;

    /// <summary>
    /// Fill below which waiting relays are woken: lower than <see cref="RoomBelow"/>, so that a woken relay moves a
    /// quarter of the queue before it waits again, instead of waking on every event the store takes.
    /// </summary>
    public const double WakeBelow = 0.25;

    private readonly object gate = new();
    private Subscription[] subscribers = [];
    private TaskCompletionSource? roomMade;
    private volatile bool stalled;

    /// <summary>How long <see cref="WaitForRoomAsync"/> waits for a store that makes no room before calling it stalled.</summary>
    public TimeSpan StorePatience { get; init; } = DefaultStorePatience;

    public static readonly TimeSpan DefaultStorePatience = TimeSpan.FromSeconds(5);

    /// <summary>Whether the last wait for room ran out of patience and the store has not caught up (below <see cref="WakeBelow"/>) since.</summary>
    public bool StoreStalled => stalled;

    /// <summary>Events offered so far.</summary>
    public long Published => Interlocked.Read(ref published);

    private long published;

    /// <param name="capacity">Events the queue holds at most.</param>
    /// <param name="maxBytes">Bytes (<see cref="EventWeight"/>) the queue holds at most: many small frames and a few
    /// large chunks are bounded alike.</param>
    /// <param name="essential">Drops for this subscriber mark the session's capture incomplete (the store).</param>
    public Subscription Subscribe(string name, int capacity, bool essential = false, long maxBytes = long.MaxValue)
    {
        var subscription = new Subscription(this, name, capacity, maxBytes, essential);
        lock (gate) subscribers = [.. subscribers, subscription];
        return subscription;
    }

    /// <summary>Offers an event to every subscriber. Returns false when an essential subscriber had to drop it.</summary>
    public bool Publish(SessionEvent e)
    {
        Interlocked.Increment(ref published);
        var delivered = true;
        var weight = EventWeight.Of(e); // once per event, whatever the number of subscribers
        // A pooled chunk is held while it is offered, so that a queue done with it early cannot return it before the
        // next queue took it; each queue that takes it holds it too.
        var lease = (e as RawBytes)?.Lease;
        lease?.Hold();
        foreach (var subscriber in subscribers)
        {
            if (subscriber.TryWrite(e, weight, lease)) continue;
            if (subscriber.Essential) delivered = false;
        }
        lease?.Release();
        return delivered;
    }

    /// <summary>How full the fullest essential queue is, 0 to 1: recordings shed literal payloads before it is full.</summary>
    public double Pressure
    {
        get
        {
            var pressure = 0.0;
            foreach (var subscriber in subscribers)
            {
                if (subscriber.Essential) pressure = Math.Max(pressure, subscriber.Fill);
            }
            return pressure;
        }
    }

    /// <summary>
    /// Returns at once while there is room (<see cref="RoomBelow"/>) or the store is stalled; otherwise when the
    /// store is back below <see cref="WakeBelow"/>, or once it has made no room for <see cref="StorePatience"/>, which marks it
    /// stalled and releases every waiter.
    /// </summary>
    public ValueTask WaitForRoomAsync(CancellationToken cancellationToken) =>
        stalled || Pressure < RoomBelow ? ValueTask.CompletedTask : WaitAsync(cancellationToken);

    private async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        // Since the store last made room: a waiter that loses the room to others woken with it starts again.
        var since = Stopwatch.GetTimestamp();
        while (true)
        {
            var signal = Volatile.Read(ref roomMade);
            if (signal is null)
            {
                var made = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                signal = Interlocked.CompareExchange(ref roomMade, made, null) ?? made;
            }
            // Looked at again after the signal is in place: room made just before it would wake nobody.
            if (stalled || Pressure < RoomBelow) return;
            // A patience already spent times out at once.
            var left = StorePatience - Stopwatch.GetElapsedTime(since);
            if (left < TimeSpan.Zero) left = TimeSpan.Zero;
            try
            {
                await signal.Task.WaitAsync(left, cancellationToken).ConfigureAwait(false);
                since = Stopwatch.GetTimestamp();
            }
            catch (TimeoutException)
            {
                Stalled();
                return;
            }
        }
    }

    /// <summary>
    /// Whether a recording lets a large literal go now: past <see cref="RoomBelow"/>, or, when its feeder waits for
    /// room, only while the store is stalled or the queue is past <see cref="NearlyFull"/> (a feeder that waited may
    /// still find the queue past half within a chunk, where the end of the last literal filled it).
    /// </summary>
    public bool LetsLargeLiteralsGo(bool feederWaits) => Pressure >= (feederWaits && !stalled ? NearlyFull : RoomBelow);

    /// <summary>No room for the whole patience: the store is stalled, and nobody waits for it any more.</summary>
    private void Stalled()
    {
        if (Pressure < RoomBelow) return; // room came as the patience ran out
        stalled = true;
        Interlocked.Exchange(ref roomMade, null)?.TrySetResult();
    }

    /// <summary>
    /// A queue gave something back (an essential subscriber took an event, or a subscriber left): wake the waiters,
    /// and end a stall, once there is room again.
    /// </summary>
    private void RoomMayBeMade()
    {
        if (Volatile.Read(ref roomMade) is null && !stalled) return;
        if (Pressure >= WakeBelow) return;
        stalled = false;
        Interlocked.Exchange(ref roomMade, null)?.TrySetResult();
    }

    private void Remove(Subscription subscription)
    {
        lock (gate) subscribers = subscribers.Where(s => s != subscription).ToArray();
        // A store that went away holds nobody up.
        RoomMayBeMade();
    }

    public sealed class Subscription : IDisposable
    {
        private readonly EventBus bus;
        // Each event travels with its weight, so taking it gives back exactly what queueing it took.
        private readonly Channel<(SessionEvent Event, long Weight)> channel;
        private readonly int capacity;
        private readonly long maxBytes;
        private long dropped;
        private long queuedEvents;
        private long queuedBytes;
        private long accepted;

        internal Subscription(EventBus bus, string name, int capacity, long maxBytes, bool essential)
        {
            this.bus = bus;
            this.capacity = capacity;
            this.maxBytes = maxBytes;
            Name = name;
            Essential = essential;
            // Unbounded underneath: the limits are this class's own, so that lifecycle events can pass a full queue.
            channel = Channel.CreateUnbounded<(SessionEvent, long)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
            Reader = new CountingReader(this);
        }

        public string Name { get; }
        public bool Essential { get; }
        public long Dropped => Interlocked.Read(ref dropped);
        public ChannelReader<SessionEvent> Reader { get; }

        /// <summary>What the queued events weigh, in bytes (<see cref="EventWeight"/>).</summary>
        public long QueuedBytes => Interlocked.Read(ref queuedBytes);

        /// <summary>Events queued since the subscription began (dropped ones not counted): a reader that counts what
        /// it has taken knows, by this, when everything queued before a given moment is behind it.</summary>
        public long Accepted => Interlocked.Read(ref accepted);

        internal double Fill => Math.Max((double)Interlocked.Read(ref queuedEvents) / capacity, (double)Interlocked.Read(ref queuedBytes) / maxBytes);

        internal bool TryWrite(SessionEvent e, long weight, RawChunkLease? lease)
        {
            // A session's opening, end and drop notices always get in (a few per session): a session must never lose
            // its end, nor the news that it lost events.
            var lifecycle = e is SessionOpened or SessionClosed or CaptureIncomplete;
            if (!lifecycle && (Interlocked.Read(ref queuedEvents) >= capacity || Interlocked.Read(ref queuedBytes) + weight > maxBytes))
            {
                Interlocked.Increment(ref dropped);
                return false;
            }
            Interlocked.Increment(ref queuedEvents);
            Interlocked.Add(ref queuedBytes, weight);
            // Counted before it can be read: a reader's mark then covers every event another thread queued before it.
            Interlocked.Increment(ref accepted);
            // Held before it can be read: its reader may be done with it at once.
            lease?.Hold();
            if (channel.Writer.TryWrite((e, weight))) return true;
            lease?.Release();
            Interlocked.Decrement(ref accepted);
            Taken(weight); // completed: the subscriber is gone
            Interlocked.Increment(ref dropped);
            return false;
        }

        private void Taken(long weight)
        {
            Interlocked.Decrement(ref queuedEvents);
            Interlocked.Add(ref queuedBytes, -weight);
            if (Essential) bus.RoomMayBeMade();
        }

        public void Dispose()
        {
            bus.Remove(this);
            channel.Writer.TryComplete();
        }

        /// <summary>The channel's reader, giving back an event's share of the limits as it is taken.</summary>
        private sealed class CountingReader(Subscription owner) : ChannelReader<SessionEvent>
        {
            private ChannelReader<(SessionEvent Event, long Weight)> Inner => owner.channel.Reader;

            public override bool CanCount => true;
            public override int Count => (int)Math.Min(int.MaxValue, Interlocked.Read(ref owner.queuedEvents));
            public override Task Completion => Inner.Completion;

            public override bool TryRead([MaybeNullWhen(false)] out SessionEvent item)
            {
                if (!Inner.TryRead(out var queued))
                {
                    item = default;
                    return false;
                }
                owner.Taken(queued.Weight);
                item = queued.Event;
                return true;
            }

            public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => Inner.WaitToReadAsync(cancellationToken);
        }
    }
}
