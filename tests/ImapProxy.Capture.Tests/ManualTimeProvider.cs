namespace ImapProxy.Capture.Tests;

/// <summary>A clock that only moves when a test says so.</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public static ManualTimeProvider StartingNow() =>
        new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

    public override DateTimeOffset GetUtcNow() => _now;

    // The monotonic clock moves with the wall clock here, so elapsed times (latencies) follow Advance too.
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => _now.UtcTicks;

    public void Advance(TimeSpan by) => _now += by;
}
