using System.Data.Common;
using ImapProxy.Recording.Events;

namespace ImapProxy.Storage.Writing;

/// <summary>What became of a row handed to <see cref="BatchRows"/>: stored, or skipped as a duplicate of a stored one.</summary>
internal interface IRowOutcomes
{
    void Stored(SessionEvent e);

    /// <summary>An event with that session and sequence is stored already.</summary>
    void Duplicate(SessionEvent e);

    void Stored(RawRow row);

    /// <summary>Bytes at that session, direction and offset are stored already.</summary>
    void Duplicate(RawRow row);
}

/// <summary>
/// How a batch's rows reach the events and raw tables, on the writer's connection and in the batch's transaction.
/// An engine writes each row as it comes (<see cref="StatementRows"/>) or holds them until <see cref="Flush"/>
/// (PostgreSQL's COPY); either way, by the end of <see cref="Flush"/> every row's fate has been told to the
/// <see cref="IRowOutcomes"/>, a batch's stored rows in the order they came.
/// </summary>
internal abstract class BatchRows : IDisposable
{
    /// <summary>The events table's columns the writer fills, in the order of the values <see cref="Add(SessionEvent, object?[])"/> takes.</summary>
    public static string[] EventColumns(bool derived) =>
    [
        "session_id", "seq", "time", "elapsed_us", "source", "\"offset\"", "type", "kind", "tag", "name", "status", "latency_us", "json",
        .. derived ? new[] { "command", "command_mailbox", "size", "anomalous" } : [],
    ];

    /// <summary>The raw table's columns, in the order of <see cref="RawRow"/>'s values.</summary>
    public static readonly string[] RawColumns = ["session_id", "direction", "\"offset\"", "data"];

    /// <remarks>The bytes are copied: a parameter's value must not see the row's pooled buffer used again.</remarks>
    public static object?[] ValuesOf(RawRow row) => [row.SessionId, row.Direction, row.Offset, row.Data.ToArray()];

    /// <summary>The transaction the rows go in (null between batches).</summary>
    public abstract void Enlist(DbTransaction? transaction);

    public abstract void Add(SessionEvent e, object?[] values);

    public abstract void Add(RawRow row);

    /// <summary>Writes what is held; called once per batch, after its last row and before its summaries.</summary>
    public abstract void Flush();

    /// <summary>Forgets what is held: the batch failed.</summary>
    public abstract void Clear();

    public abstract void Dispose();
}
