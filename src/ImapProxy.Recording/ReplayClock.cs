namespace ImapProxy.Recording;

/// <summary>
/// The clock of a replayed session (a rawlog import, a test, a benchmark): it reads the time the replay moved it to,
/// so events and latencies carry recorded times. Wall and monotonic clock are the same time, so latencies are
/// differences of recorded times. It never goes back: after COMPRESS, Dovecot stamps only the rawlog lines that start
/// after a 0x0A in the compressed bytes, so a stamp can be older than the data behind it.
/// </summary>
public sealed class ReplayClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset now = start;

    public override DateTimeOffset GetUtcNow() => now;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => now.UtcTicks;

    /// <summary>Moves to <paramref name="time"/> if it is later; no time (an unstamped line) leaves the clock where it is.</summary>
    public void MoveTo(DateTimeOffset? time)
    {
        if (time is { } t && t > now) now = t;
    }

    public void Advance(TimeSpan by) => MoveTo(now + by);
}
