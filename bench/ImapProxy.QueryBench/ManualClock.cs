namespace ImapProxy.QueryBench;

/// <summary>Synthetic time: the traffic moves it, so a million events span hours and latencies are chosen.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset now = start;

    public override DateTimeOffset GetUtcNow() => now;
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    public override long GetTimestamp() => now.UtcTicks;
    public void Advance(TimeSpan by) => now += by;
}
