using System.Data.Common;
using ImapProxy.Recording.Events;

namespace ImapProxy.Storage.Writing;

/// <summary>
/// Rows written one statement each, as they come: SQLite runs a prepared statement in microseconds, in process, and
/// PostgreSQL's raw rows are few and large (<see cref="Postgres.PostgresBatchRows"/>). A duplicate is skipped by
/// ON CONFLICT DO NOTHING (a statement that changed no row), not by an error. Where the engine keeps raw bytes in
/// files (<see cref="Sqlite.RawFiles"/>), a raw row's bytes are appended to its file first and the row says where.
/// </summary>
internal sealed class StatementRows : BatchRows
{
    private readonly IRowOutcomes outcomes;
    private readonly Statement insertEvent;
    private readonly Statement insertRaw;
    private readonly Sqlite.RawFiles? files;

    public StatementRows(DbConnection connection, EventStore store, IRowOutcomes outcomes)
    {
        this.outcomes = outcomes;
        var columns = EventColumns(store.WritesDerivedColumns);
        var parameters = columns.Select(c => "@" + c.Trim('"')).ToArray();
        insertEvent = store.Prepare(connection, $"""
            INSERT INTO events ({string.Join(", ", columns)}) VALUES ({string.Join(", ", parameters)})
            ON CONFLICT (session_id, seq) DO NOTHING
            """, parameters);
        files = store.RawFiles;
        string[] rawColumns = files is null ? RawColumns : [.. RawColumns, "position", "length"];
        var rawParameters = rawColumns.Select(c => "@" + c.Trim('"')).ToArray();
        insertRaw = store.Prepare(connection,
            $"INSERT INTO raw ({string.Join(", ", rawColumns)}) VALUES ({string.Join(", ", rawParameters)}) ON CONFLICT DO NOTHING",
            rawParameters);
    }

    public override void Enlist(DbTransaction? transaction)
    {
        insertEvent.Enlist(transaction);
        insertRaw.Enlist(transaction);
    }

    public override void Add(SessionEvent e, object?[] values)
    {
        if (insertEvent.Execute(values) > 0) outcomes.Stored(e);
        else outcomes.Duplicate(e);
    }

    public override void Add(RawRow row)
    {
        var values = files is null
            ? ValuesOf(row)
            : [row.SessionId, row.Direction, row.Offset, Array.Empty<byte>(), files.Append(row.SessionId, row.Direction, row.Data.Span), (long)row.Data.Length];
        if (insertRaw.Execute(values) > 0) outcomes.Stored(row);
        else outcomes.Duplicate(row);
    }

    public override void Flush() => files?.Flush();

    // The batch failed: its bytes still in memory would be pointed at by nothing.
    public override void Clear() => files?.Discard();

    public override void Dispose()
    {
        insertEvent.Dispose();
        insertRaw.Dispose();
    }
}
