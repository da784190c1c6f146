using ImapProxy.Protocol;

namespace ImapProxy.Storage.Query;

/// <summary>
/// What in-memory evaluation needs beyond the rows: the stored raw rows of one direction that overlap a byte range
/// (session id, direction, from, to), as stored and in offset order — what <c>body:</c> searches in the store.
/// Without it (<see cref="None"/>), <c>body:</c> matches nothing in memory.
/// </summary>
public sealed record FilterContext(Func<long, Direction, long, long, IReadOnlyList<RawSegment>>? RawRows = null)
{
    public static FilterContext None { get; } = new();
}
