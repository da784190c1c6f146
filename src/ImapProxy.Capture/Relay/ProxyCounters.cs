namespace ImapProxy.Capture.Relay;

/// <summary>Process-wide figures for the status page and logs.</summary>
public sealed class ProxyCounters
{
    private long activeSessions;
    private long totalSessions;
    private long clientBytes;
    private long serverBytes;
    private long refused;
    private long unrecorded;

    public long ActiveSessions => Interlocked.Read(ref activeSessions);
    public long TotalSessions => Interlocked.Read(ref totalSessions);
    public long ClientBytes => Interlocked.Read(ref clientBytes);
    public long ServerBytes => Interlocked.Read(ref serverBytes);

    /// <summary>Connections refused by --max-sessions or --max-sessions-per-client.</summary>
    public long SessionsRefused => Interlocked.Read(ref refused);

    /// <summary>Sessions relayed without a recording because the store could not number them (a full disk).</summary>
    public long SessionsUnrecorded => Interlocked.Read(ref unrecorded);

    internal void SessionStarted()
    {
        Interlocked.Increment(ref activeSessions);
        Interlocked.Increment(ref totalSessions);
    }

    internal void SessionEnded() => Interlocked.Decrement(ref activeSessions);
    internal void SessionRefused() => Interlocked.Increment(ref refused);
    internal void SessionUnrecorded() => Interlocked.Increment(ref unrecorded);
    internal void AddClientBytes(long n) => Interlocked.Add(ref clientBytes, n);
    internal void AddServerBytes(long n) => Interlocked.Add(ref serverBytes, n);
}
