using System.Collections.Concurrent;

namespace ImapProxy.Protocol.Session;

/// <summary>
/// One string per capability name for the whole process: a session keeps its server's capabilities for as long as it
/// lasts (an IMAP IDLE lasts hours), and a thousand sessions to one server would otherwise hold a thousand copies of
/// the same forty names. Names come from the wire, so the pool is bounded: past its size (a hostile server making up
/// names), further names stay per session, as they all were before, and are never pooled.
/// </summary>
internal sealed class CapabilityNames(int maxNames = CapabilityNames.DefaultMaxNames)
{
    /// <summary>Far above what real servers announce (Dovecot about 40 names, the IANA registry under 100).</summary>
    public const int DefaultMaxNames = 1024;

    /// <summary>Longer names are not pooled (registered ones are under 30 characters).</summary>
    public const int MaxPooledLength = 64;

    /// <summary>The pool every session of the process shares.</summary>
    public static CapabilityNames Process { get; } = new();

    private readonly ConcurrentDictionary<string, string> pool = new(StringComparer.Ordinal);

    /// <summary>The pool's instance of <paramref name="name"/> (same characters, same case), or the name itself.</summary>
    public string Shared(string name)
    {
        if (pool.TryGetValue(name, out var shared)) return shared;
        if (name.Length > MaxPooledLength || pool.Count >= maxNames) return name;
        return pool.GetOrAdd(name, name);
    }

    /// <summary>
    /// The capabilities as a session keeps them: each name once (names are case-insensitive, RFC 3501 §7.2.1), in
    /// case-insensitive order, each a pooled instance where the pool has room.
    /// </summary>
    public string[] Normalize(IEnumerable<string> announced) =>
        announced.Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase).Select(Shared).ToArray();
}
