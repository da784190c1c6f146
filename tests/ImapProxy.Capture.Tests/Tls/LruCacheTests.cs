using ImapProxy.Tls;

namespace ImapProxy.Capture.Tests.Tls;

public sealed class LruCacheTests
{
    private sealed record Value(string Name, int Generation);

    [Fact]
    public void GetOrAdd_OverCapacity_EvictsTheLeastRecentlyUsed()
    {
        var created = new List<string>();
        var cache = new LruCache<Value>(capacity: 2, isStale: _ => false);
        Value Create(string key) { created.Add(key); return new Value(key, 1); }

        cache.GetOrAdd("a", Create);
        cache.GetOrAdd("b", Create);
        cache.GetOrAdd("A", Create); // "a" is now the most recently used
        cache.GetOrAdd("c", Create); // evicts "b"
        cache.GetOrAdd("a", Create);
        cache.GetOrAdd("b", Create);

        Assert.Equal(["a", "b", "c", "b"], created);
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void GetOrAdd_StaleEntry_IsCreatedAgain()
    {
        var generation = 0;
        var cache = new LruCache<Value>(capacity: 10, isStale: v => v.Generation == 1);

        var first = cache.GetOrAdd("a", k => new Value(k, ++generation));
        var second = cache.GetOrAdd("a", k => new Value(k, ++generation));
        var third = cache.GetOrAdd("a", k => new Value(k, ++generation));

        Assert.Equal(1, first.Generation);
        Assert.Equal(2, second.Generation);
        Assert.Same(second, third);
    }

    [Fact]
    public void GetOrAdd_CreationFails_IsNotCached()
    {
        var cache = new LruCache<Value>(capacity: 10, isStale: _ => false);

        Assert.Throws<InvalidOperationException>(() => cache.GetOrAdd("a", _ => throw new InvalidOperationException()));
        var value = cache.GetOrAdd("a", k => new Value(k, 1));

        Assert.Equal(new Value("a", 1), value);
    }

    [Fact]
    public async Task GetOrAdd_ConcurrentRequestsForOneKey_CreateOnce()
    {
        var creations = 0;
        var cache = new LruCache<Value>(capacity: 10, isStale: _ => false);
        // Dedicated threads (LongRunning): eight pool threads blocked on the barrier would starve a 2-core pool.
        using var start = new Barrier(8);

        var values = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait(TimeSpan.FromSeconds(10));
            return cache.GetOrAdd("a", k =>
            {
                Interlocked.Increment(ref creations);
                Thread.SpinWait(100_000); // widen the window in which a second creation could start
                return new Value(k, 1);
            });
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, creations);
        Assert.All(values, v => Assert.Same(values[0], v));
    }
}
