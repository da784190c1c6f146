namespace ImapProxy.Storage.Writing;

/// <summary>Whether the store is writing; if not, why (in words: "the disk is full") and since when. What was lost is
/// the writer's own count (<see cref="EventStoreWriter.EventsLost"/>).</summary>
public sealed record StoreHealth(bool Writing, string? Problem, DateTimeOffset? FailingSince)
{
    public static StoreHealth Ok { get; } = new(true, null, null);
}
