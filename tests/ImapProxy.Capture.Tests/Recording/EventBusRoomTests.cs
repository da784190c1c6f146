using ImapProxy.Recording.Bus;
using ImapProxy.Recording.Events;

namespace ImapProxy.Capture.Tests.Recording;

/// <summary>
/// A relay that would rather slow down than lose bytes waits for room in the store's queue: until the store takes
/// enough, and never for a store that is stuck for longer than the bus's patience, nor again until it has caught up.
/// </summary>
public sealed class EventBusRoomTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    // Ten events of 10 KiB (and a little for the event itself) fill a 100 KiB queue; five are past half.
    private static RawBytes Chunk() => new() { Source = EventSource.Server, SessionId = 1, Data = new byte[10 * 1024] };

    private static void Publish(EventBus bus, int count)
    {
        for (var i = 0; i < count; i++) Assert.True(bus.Publish(Chunk()));
    }

    /// <summary>The store's subscription: a 100 KiB queue six tenths full, nothing reading it yet.</summary>
    private static EventBus.Subscription StorePastHalf(TimeSpan patience, out EventBus bus)
    {
        bus = new EventBus { StorePatience = patience };
        var store = bus.Subscribe("store", 1_000, essential: true, maxBytes: 100 * 1024);
        Publish(bus, 6);
        return store;
    }

    private static readonly TimeSpan Forever = TimeSpan.FromMinutes(10);

    [Fact]
    public void WithRoom_NobodyWaits()
    {
        var bus = new EventBus();
        using var store = bus.Subscribe("store", 1_000, essential: true, maxBytes: 100 * 1024);
        Publish(bus, 4);
        Assert.True(bus.WaitForRoomAsync(CancellationToken.None).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task PastHalf_AWaitEndsWhenTheStoreIsBackBelowAQuarter_NotBefore()
    {
        using var store = StorePastHalf(Forever, out var bus);

        var wait = bus.WaitForRoomAsync(CancellationToken.None).AsTask();
        Assert.False(wait.IsCompleted);
        // Woken below a quarter, not at each event below half: a woken relay then moves a quarter before waiting.
        for (var left = 5; left >= 3; left--)
        {
            Assert.True(store.Reader.TryRead(out _));
            Assert.False(wait.IsCompleted, $"woken with {left} of 10 left");
        }
        Assert.True(store.Reader.TryRead(out _)); // two left: below a quarter
        await wait.WaitAsync(Timeout);
        Assert.False(bus.StoreStalled);
    }

    [Fact]
    public void ABrowserThatFallsBehind_HoldsNobodyUp()
    {
        var bus = new EventBus { StorePatience = Forever };
        using var store = bus.Subscribe("store", 1_000, essential: true, maxBytes: 1024 * 1024);
        using var dashboard = bus.Subscribe("dashboard", 1_000, maxBytes: 100 * 1024);
        Publish(bus, 9);
        Assert.True(bus.WaitForRoomAsync(CancellationToken.None).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task AStoreThatMakesNoRoom_IsStalledAfterThePatience_AndNobodyWaitsAgainUntilItCatchesUp()
    {
        using var store = StorePastHalf(TimeSpan.FromMilliseconds(50), out var bus);

        await bus.WaitForRoomAsync(CancellationToken.None).AsTask().WaitAsync(Timeout);
        Assert.True(bus.StoreStalled);
        // Stalled: the next chunks pass at once (the recording lets their bodies go instead).
        Assert.True(bus.WaitForRoomAsync(CancellationToken.None).IsCompletedSuccessfully);

        // The store takes events again: once below a quarter, it is no longer stalled and waits are waits again.
        for (var i = 0; i < 3; i++) Assert.True(store.Reader.TryRead(out _));
        Assert.True(bus.StoreStalled); // three left
        Assert.True(store.Reader.TryRead(out _));
        Assert.False(bus.StoreStalled); // two
        Publish(bus, 4);
        Assert.False(bus.WaitForRoomAsync(CancellationToken.None).IsCompleted);
    }

    [Fact]
    public async Task AStoreThatGoesAway_ReleasesItsWaiters()
    {
        var store = StorePastHalf(Forever, out var bus);
        var wait = bus.WaitForRoomAsync(CancellationToken.None).AsTask();
        Assert.False(wait.IsCompleted);
        store.Dispose();
        await wait.WaitAsync(Timeout);
    }

    [Fact]
    public async Task AWait_EndsWithItsSession()
    {
        using var store = StorePastHalf(Forever, out var bus);
        using var session = new CancellationTokenSource();
        var wait = bus.WaitForRoomAsync(session.Token).AsTask();
        await session.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(Timeout));
    }
}
