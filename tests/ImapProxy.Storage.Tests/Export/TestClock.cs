namespace ImapProxy.Storage.Tests.Export;

/// <summary>A clock the test moves; the monotonic clock follows it, so latencies are differences of its times.</summary>
internal sealed class TestClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset now = start;

    public override DateTimeOffset GetUtcNow() => now;
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    public override long GetTimestamp() => now.UtcTicks;

    public void MoveTo(DateTimeOffset? time)
    {
        if (time is { } t && t > now) now = t;
    }
}
