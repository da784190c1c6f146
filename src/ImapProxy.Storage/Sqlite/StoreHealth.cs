namespace ImapProxy.Storage.Sqlite;

/// <summary>Whether the store is writing; if not, why (in words: "the disk is full"), since when, and what was lost.</summary>
public sealed record StoreHealth(bool Writing, string? Problem, DateTimeOffset? FailingSince, long EventsLost)
{
    public static StoreHealth Ok { get; } = new(true, null, null, 0);
}
