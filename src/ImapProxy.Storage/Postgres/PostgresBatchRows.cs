using System.Data.Common;
using ImapProxy.Recording.Events;
using ImapProxy.Storage.Writing;
using Npgsql;
using NpgsqlTypes;

namespace ImapProxy.Storage.Postgres;

/// <summary>
/// The PostgreSQL writer's rows. Events, many small rows, are held until the end of the batch, sent by binary COPY
/// into a temporary staging table and moved into events with one INSERT ... SELECT ... ON CONFLICT DO NOTHING, whose
/// RETURNING says which were stored (the others were duplicates): COPY straight into events would abort the batch's
/// transaction at the first duplicate key. Raw rows, few and up to RawRowBytes each, go one statement each as they come:
/// through a staging table their bytes would be stored (and compressed) twice, which measured slower.
/// </summary>
internal sealed class PostgresBatchRows : BatchRows
{
    private readonly NpgsqlConnection connection;
    private readonly Func<object?, object?> bind;
    private readonly IRowOutcomes outcomes;
    private readonly StatementRows rowByRow;
    private readonly string[] eventColumns;
    private readonly List<(SessionEvent Event, object?[] Values)> events = [];
    // A key twice in one batch would be stored once by the INSERT, but RETURNING could not say which row won:
    // the later one is skipped here, as the row-by-row writer skips it.
    private readonly HashSet<(long Session, long Sequence)> keys = [];

    public PostgresBatchRows(NpgsqlConnection connection, EventStore store, IRowOutcomes outcomes)
    {
        this.connection = connection;
        bind = store.Bind;
        this.outcomes = outcomes;
        rowByRow = new StatementRows(connection, store, outcomes);
        eventColumns = EventColumns(store.WritesDerivedColumns);
        // The connection's own table, emptied by every commit (a truncation: no dead rows pile up in it).
        using var create = new NpgsqlCommand("CREATE TEMP TABLE IF NOT EXISTS staged_events (LIKE events) ON COMMIT DELETE ROWS", connection);
        create.ExecuteNonQuery();
    }

    public override void Enlist(DbTransaction? transaction) => rowByRow.Enlist(transaction);

    public override void Add(SessionEvent e, object?[] values)
    {
        if (keys.Add((e.SessionId, e.Sequence))) events.Add((e, values));
        else outcomes.Duplicate(e);
    }

    public override void Add(RawRow row) => rowByRow.Add(row);

    public override void Flush()
    {
        if (events.Count == 0) return;
        try
        {
            var stored = Insert();
            foreach (var (e, _) in events)
            {
                if (stored.Contains((e.SessionId, e.Sequence))) outcomes.Stored(e);
                else outcomes.Duplicate(e);
            }
        }
        finally
        {
            Clear();
        }
    }

    /// <summary>Copies the events into the staging table, then into events; returns the keys of those stored.</summary>
    private HashSet<(long Session, long Sequence)> Insert()
    {
        var list = string.Join(", ", eventColumns);
        using (var import = connection.BeginBinaryImport($"COPY staged_events ({list}) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var (_, values) in events)
            {
                import.StartRow();
                foreach (var value in values) Write(import, bind(value));
            }
            import.Complete();
        }
        using var insert = new NpgsqlCommand(
            $"INSERT INTO events ({list}) SELECT {list} FROM staged_events ON CONFLICT DO NOTHING RETURNING session_id, seq", connection);
        using var reader = insert.ExecuteReader();
        var stored = new HashSet<(long, long)>();
        while (reader.Read()) stored.Add((reader.GetInt64(0), reader.GetInt64(1)));
        return stored;
    }

    // Binary COPY sends each value in its column's own format, so the type is said, not guessed.
    private static void Write(NpgsqlBinaryImporter import, object? value)
    {
        switch (value)
        {
            case null: import.WriteNull(); break;
            case long number: import.Write(number, NpgsqlDbType.Bigint); break;
            case string text: import.Write(text, NpgsqlDbType.Text); break;
            case bool flag: import.Write(flag, NpgsqlDbType.Boolean); break;
            default: throw new ArgumentException($"no column of events takes a {value.GetType().Name}");
        }
    }

    public override void Clear()
    {
        events.Clear();
        keys.Clear();
    }

    public override void Dispose() => rowByRow.Dispose();
}
