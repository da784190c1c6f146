namespace ImapProxy.Tests.Support;

/// <summary>A clock that moves only when told; its timers fire as it passes their time.</summary>
internal sealed class ManualTime : TimeProvider
{
    private readonly List<Timer> timers = [];
    private long now;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    public override long GetTimestamp() => Interlocked.Read(ref now);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new Timer(this, callback, state, GetTimestamp() + dueTime.Ticks);
        lock (timers) timers.Add(timer);
        return timer;
    }

    /// <summary>Timers created and not yet fired or disposed.</summary>
    public int Waiting
    {
        get
        {
            lock (timers) return timers.Count;
        }
    }

    public void Advance(TimeSpan by)
    {
        Interlocked.Add(ref now, by.Ticks);
        List<Timer> due;
        lock (timers)
        {
            due = timers.Where(t => t.Due <= now).ToList();
            timers.RemoveAll(due.Contains);
        }
        foreach (var timer in due) timer.Fire();
    }

    private sealed class Timer(ManualTime time, TimerCallback callback, object? state, long due) : ITimer
    {
        public long Due => due;
        public void Fire() => callback(state);
        public bool Change(TimeSpan dueTime, TimeSpan period) => throw new NotSupportedException();

        public void Dispose()
        {
            lock (time.timers) time.timers.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
