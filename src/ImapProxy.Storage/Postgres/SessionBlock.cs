namespace ImapProxy.Storage.Postgres;

/// <summary>A block of session ids [<see cref="First"/>, <see cref="End"/>), a row of event_partitions: its sessions'
/// events and raw rows are in the partitions <see cref="EventsTable"/> and <see cref="RawTable"/>.</summary>
internal sealed record SessionBlock(long First, long End, DateTimeOffset OpenedAt)
{
    public string EventsTable => $"events_p{First}";

    public string RawTable => $"raw_p{First}";

    public bool Contains(long id) => id >= First && id < End;

    /// <summary>True when the block was opened on a UTC day before <paramref name="day"/>. Not "on another day": a
    /// proxy whose clock is a little behind must not open a block again because another one opened it "tomorrow".</summary>
    public bool OpenedBefore(DateOnly day) => DateOnly.FromDateTime(OpenedAt.UtcDateTime) < day;
}
