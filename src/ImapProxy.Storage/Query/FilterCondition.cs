namespace ImapProxy.Storage.Query;

public enum FilterLevel
{
    /// <summary>A property of the session (user, client, TLS): true or false for all of its events.</summary>
    Session,

    /// <summary>A property of one event (command, status, latency); a session matches when one of its events does.</summary>
    Event,
}

/// <summary>What in-memory evaluation may need beyond the rows: the stored raw rows a frame overlaps (body:).</summary>
public sealed record FilterContext(Func<EventRow, IReadOnlyList<byte[]>>? RawRows = null)
{
    public static FilterContext None { get; } = new();
}

/// <summary>Builds parameterised SQL over the aliases <c>s</c> (sessions) and <c>e</c> (events).</summary>
public sealed class SqlBuilder
{
    public List<(string Name, object Value)> Parameters { get; } = [];

    public string Param(object value)
    {
        var name = $"$f{Parameters.Count}";
        Parameters.Add((name, value));
        return name;
    }
}

/// <summary>
/// One compiled term with its two implementations, which must agree: <see cref="Memory"/> over rows (live
/// views) and <see cref="Sql"/> over the tables (the store). Tests check them against each other.
/// </summary>
public sealed record FilterCondition(
    FilterLevel Level,
    Func<SessionRow, EventRow?, FilterContext, bool> Memory,
    Func<SqlBuilder, string> Sql)
{
    /// <summary>For an event-level condition, what it means for a session query instead of "one of its events"
    /// (after:/before: compare the session's start).</summary>
    public FilterCondition? ForSessions { get; init; }
}
