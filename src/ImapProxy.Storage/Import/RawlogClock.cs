namespace ImapProxy.Storage.Import;

/// <summary>
/// The clock of a rawlog replay: it reads the time of the line being replayed, so events, latencies and the
/// session's start and end carry the times the server logged. It never goes back: after COMPRESS, Dovecot stamps only
/// the lines that start after a 0x0A in the compressed bytes, so a stamp can be older than the data behind it.
/// </summary>
internal sealed class RawlogClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset now = start;

    public override DateTimeOffset GetUtcNow() => now;

    // The monotonic clock is the same line time, so latencies are differences of logged times.
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => now.UtcTicks;

    public void MoveTo(decimal? timestamp)
    {
        if (timestamp is { } seconds && FromRawlog(seconds) is var time && time > now) now = time;
    }

    /// <summary>Dovecot's "seconds.microseconds" since the epoch.</summary>
    public static DateTimeOffset FromRawlog(decimal seconds) =>
        DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
}
