namespace ImapProxy.Tls;

/// <summary>
/// A bounded, thread-safe cache that evicts the least recently used entry and replaces stale ones.
/// Each value is created once per key even under concurrent requests (a Lazy per entry), and the
/// creation runs outside the lock so minting one name never blocks lookups of another.
/// </summary>
internal sealed class LruCache<TValue>(int capacity, Func<TValue, bool> isStale) where TValue : class
{
    private sealed record Entry(string Key, Lazy<TValue> Value);

    private readonly object _gate = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _entries = new(StringComparer.OrdinalIgnoreCase);
    private readonly LinkedList<Entry> _recency = new(); // most recently used first

    public int Count
    {
        get { lock (_gate) return _entries.Count; }
    }

    public TValue GetOrAdd(string key, Func<string, TValue> create)
    {
        LinkedListNode<Entry> node;
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var found) && !IsStale(found.Value))
            {
                _recency.Remove(found);
                _recency.AddFirst(found);
                node = found;
            }
            else
            {
                if (found is not null)
                    Remove(found);
                node = _recency.AddFirst(new Entry(key, new Lazy<TValue>(() => create(key), LazyThreadSafetyMode.ExecutionAndPublication)));
                _entries[key] = node;
                if (_entries.Count > capacity)
                    Remove(_recency.Last!);
            }
        }

        try
        {
            return node.Value.Value.Value;
        }
        catch
        {
            // A Lazy remembers its exception; drop the entry so the next request tries again.
            lock (_gate)
            {
                if (_entries.TryGetValue(key, out var current) && current == node)
                    Remove(node);
            }
            throw;
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _entries.Clear();
            _recency.Clear();
        }
    }

    // A value still being created is fresh by definition; waiting for it beats creating it twice.
    private bool IsStale(Entry entry) => entry.Value.IsValueCreated && isStale(entry.Value.Value);

    private void Remove(LinkedListNode<Entry> node)
    {
        _recency.Remove(node);
        _entries.Remove(node.Value.Key);
    }
}
