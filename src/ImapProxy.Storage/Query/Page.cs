namespace ImapProxy.Storage.Query;

/// <summary>A page of rows and the cursor of the next page, null at the end. Keyset paging: the cursor is the
/// last row's key, so a page costs the same wherever it is and rows added meanwhile neither repeat nor shift it.</summary>
public sealed record Page<T>(IReadOnlyList<T> Rows, long? Next);

/// <summary>A page whose rows are keyed by more than one number (events across sessions: <see cref="EventCursor"/>).</summary>
public sealed record Page<T, TCursor>(IReadOnlyList<T> Rows, TCursor? Next) where TCursor : struct;
