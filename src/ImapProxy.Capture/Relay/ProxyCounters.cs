namespace ImapProxy.Capture.Relay;

/// <summary>Process-wide figures for the status page and logs.</summary>
public sealed class ProxyCounters
{
    private long activeSessions;
    private long totalSessions;
    private long clientBytes;
    private long serverBytes;

    public long ActiveSessions => Interlocked.Read(ref activeSessions);
    public long TotalSessions => Interlocked.Read(ref totalSessions);
    public long ClientBytes => Interlocked.Read(ref clientBytes);
    public long ServerBytes => Interlocked.Read(ref serverBytes);

    internal void SessionStarted()
    {
        Interlocked.Increment(ref activeSessions);
        Interlocked.Increment(ref totalSessions);
    }

    internal void SessionEnded() => Interlocked.Decrement(ref activeSessions);
    internal void AddClientBytes(long n) => Interlocked.Add(ref clientBytes, n);
    internal void AddServerBytes(long n) => Interlocked.Add(ref serverBytes, n);
}
