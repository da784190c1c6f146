namespace ImapProxy.Storage.Retention;

/// <summary>How much history the store keeps. Live sessions are never pruned, whatever the limits.</summary>
/// <param name="MaxAge">Finished sessions older than this (by their end) are deleted; null keeps them forever.</param>
/// <param name="MaxSize">Oldest finished sessions are deleted while the data in the database exceeds this many bytes; null for no limit.</param>
public sealed record RetentionOptions(TimeSpan? MaxAge, long? MaxSize)
{
    public static long DefaultMaxSize => 4L * 1024 * 1024 * 1024;

    public static RetentionOptions Default { get; } = new(null, DefaultMaxSize);

    /// <summary>How often the limits are checked.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(1);

    public string Describe()
    {
        var parts = new List<string>();
        if (MaxSize is { } size) parts.Add($"at most {size / (1024.0 * 1024 * 1024):0.##} GiB of data");
        if (MaxAge is { } age) parts.Add($"finished sessions for {age.TotalDays:0.##} days");
        return parts.Count == 0
            ? "everything is kept (no size or age limit)"
            : "keeps " + string.Join(" and ", parts) + "; the oldest finished sessions go first, live sessions are never pruned";
    }
}
