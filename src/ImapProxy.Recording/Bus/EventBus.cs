using System.Threading.Channels;
using ImapProxy.Recording.Events;

namespace ImapProxy.Recording.Bus;

/// <summary>
/// Fans session events out to subscribers (the store, live views). Publishing never blocks: each subscriber has
/// its own bounded queue, and an event that does not fit is dropped and counted for that subscriber. The relay
/// therefore never waits for a slow store or a slow browser (DESIGN.md, rule 1 of the data path).
/// </summary>
public sealed class EventBus
{
    private readonly object gate = new();
    private Subscription[] subscribers = [];

    /// <summary>Events offered so far.</summary>
    public long Published => Interlocked.Read(ref published);

    private long published;

    /// <param name="essential">Drops for this subscriber mark the session's capture incomplete (the store).</param>
    public Subscription Subscribe(string name, int capacity, bool essential = false)
    {
        var subscription = new Subscription(this, name, capacity, essential);
        lock (gate) subscribers = [.. subscribers, subscription];
        return subscription;
    }

    /// <summary>Offers an event to every subscriber. Returns false when an essential subscriber had to drop it.</summary>
    public bool Publish(SessionEvent e)
    {
        Interlocked.Increment(ref published);
        var delivered = true;
        foreach (var subscriber in subscribers)
        {
            if (subscriber.TryWrite(e)) continue;
            if (subscriber.Essential) delivered = false;
        }
        return delivered;
    }

    private void Remove(Subscription subscription)
    {
        lock (gate) subscribers = subscribers.Where(s => s != subscription).ToArray();
    }

    public sealed class Subscription : IDisposable
    {
        private readonly EventBus bus;
        private readonly Channel<SessionEvent> channel;
        private long dropped;

        internal Subscription(EventBus bus, string name, int capacity, bool essential)
        {
            this.bus = bus;
            Name = name;
            Essential = essential;
            channel = Channel.CreateBounded<SessionEvent>(new BoundedChannelOptions(capacity)
            {
                FullMode = BoundedChannelFullMode.Wait, // with TryWrite: a full queue refuses instead of evicting
                SingleReader = true,
                SingleWriter = false,
            });
        }

        public string Name { get; }
        public bool Essential { get; }
        public long Dropped => Interlocked.Read(ref dropped);
        public ChannelReader<SessionEvent> Reader => channel.Reader;

        internal bool TryWrite(SessionEvent e)
        {
            if (channel.Writer.TryWrite(e)) return true;
            Interlocked.Increment(ref dropped);
            return false;
        }

        public void Dispose()
        {
            bus.Remove(this);
            channel.Writer.TryComplete();
        }
    }
}
