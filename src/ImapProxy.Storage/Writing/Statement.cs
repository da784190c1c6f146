using System.Data.Common;

namespace ImapProxy.Storage.Writing;

/// <summary>
/// One of the writer's statements, prepared once on its connection and run for every row of every batch, with
/// positional values. The engine prepares it (<see cref="EventStore.Prepare"/>): through ADO.NET
/// (<see cref="CommandStatement"/>), or SQLite's own statement (<see cref="Sqlite.SqliteStatement"/>).
/// </summary>
internal abstract class Statement : IDisposable
{
    /// <summary>The batch's transaction, for engines whose commands must be told (null between batches).</summary>
    public abstract void Enlist(DbTransaction? transaction);

    /// <summary>Runs the statement with one value per parameter, in the order it was prepared with; returns the rows changed.</summary>
    public abstract int Execute(params ReadOnlySpan<object?> values);

    public abstract void Dispose();
}
