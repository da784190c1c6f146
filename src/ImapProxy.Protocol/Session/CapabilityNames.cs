using System.Collections.Concurrent;

namespace ImapProxy.Protocol.Session;

/// <summary>
/// One string per capability name for the whole process: a session keeps its server's capabilities for as long as it
/// lasts (an IMAP IDLE lasts hours), and a thousand sessions to one server would otherwise hold a thousand copies of
/// the same forty names. Names come from the wire, so the pool is bounded: when a server making names up fills it,
/// it starts again empty. Sessions keep the names they hold; names are shared again as soon as sessions announce
/// them again, and a hostile server costs no more than every session keeping its own copies, as all did before.
/// </summary>
internal sealed class CapabilityNames(int maxNames = CapabilityNames.DefaultMaxNames)
{
    /// <summary>Far above what real servers announce (Dovecot about 40 names, the IANA registry under 100).</summary>
    public const int DefaultMaxNames = 1024;

    /// <summary>Longer names are not pooled (registered ones are under 30 characters).</summary>
    public const int MaxPooledLength = 64;

    /// <summary>The pool every session of the process shares (<see cref="ImapParserOptions.CapabilityNames"/>).</summary>
    public static CapabilityNames Process { get; } = new();

    private readonly ConcurrentDictionary<string, string> pool = new(StringComparer.Ordinal);

    // Names added since the pool was last emptied; counted apart because the dictionary's Count takes all its locks.
    private int added;

    /// <summary>Names pooled now (for tests: the bound).</summary>
    internal int Count => pool.Count;

    /// <summary>The pool's instance of <paramref name="name"/> (same characters, same case), or the name itself.</summary>
    public string Shared(string name)
    {
        if (pool.TryGetValue(name, out var shared)) return shared;
        if (name.Length > MaxPooledLength) return name;
        if (Volatile.Read(ref added) >= maxNames)
        {
            // Full: start again. Two threads may both clear; either way the pool stays within its bound.
            pool.Clear();
            Volatile.Write(ref added, 0);
        }
        shared = pool.GetOrAdd(name, name);
        if (ReferenceEquals(shared, name)) Interlocked.Increment(ref added);
        return shared;
    }

    /// <summary>
    /// The capabilities as a session keeps them: each name once (names are case-insensitive, RFC 3501 §9), in
    /// case-insensitive order, each the pool's instance.
    /// </summary>
    public string[] Normalize(IEnumerable<string> announced) =>
        announced.Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase).Select(Shared).ToArray();
}
