using System.Data.Common;
using ImapProxy.Recording.Events;
using ImapProxy.Storage.Writing;
using Npgsql;
using NpgsqlTypes;

namespace ImapProxy.Storage.Postgres;

/// <summary>
/// The PostgreSQL writer's rows: held until the end of the batch, then sent with binary COPY into temporary staging
/// tables and moved into events and raw with one INSERT ... SELECT ... ON CONFLICT DO NOTHING each. COPY straight
/// into the tables would abort the batch's transaction at the first duplicate key; the INSERT skips duplicates and
/// its RETURNING says which rows it stored. A batch costs a few round trips instead of one per row.
/// </summary>
internal sealed class CopyRows : BatchRows
{
    private readonly NpgsqlConnection connection;
    private readonly Func<object?, object?> bind;
    private readonly IRowOutcomes outcomes;
    private readonly string[] eventColumns;
    private readonly List<(SessionEvent Event, object?[] Values)> events = [];
    private readonly List<RawRow> raws = [];
    // A key twice in one batch would be stored once by the INSERT, but RETURNING could not say which row won:
    // the later one is skipped here, as the row-by-row writer skips it.
    private readonly HashSet<(long Session, long Sequence)> eventKeys = [];
    private readonly HashSet<(long Session, string Direction, long Offset)> rawKeys = [];

    public CopyRows(NpgsqlConnection connection, EventStore store, IRowOutcomes outcomes)
    {
        this.connection = connection;
        bind = store.Bind;
        this.outcomes = outcomes;
        eventColumns = EventColumns(store.WritesDerivedColumns);
        // The connection's own tables, emptied by every commit (a truncation: no dead rows pile up in them).
        using var create = new NpgsqlCommand("""
            CREATE TEMP TABLE IF NOT EXISTS staged_events (LIKE events) ON COMMIT DELETE ROWS;
            CREATE TEMP TABLE IF NOT EXISTS staged_raw (LIKE raw) ON COMMIT DELETE ROWS;
            """, connection);
        create.ExecuteNonQuery();
    }

    // Npgsql's COPY and commands run in the connection's open transaction by themselves.
    public override void Enlist(DbTransaction? transaction)
    {
    }

    public override void Add(SessionEvent e, object?[] values)
    {
        if (eventKeys.Add((e.SessionId, e.Sequence))) events.Add((e, values));
        else outcomes.Duplicate(e);
    }

    public override void Add(RawRow row)
    {
        if (rawKeys.Add((row.SessionId, row.Direction, row.Offset))) raws.Add(row);
        else outcomes.Duplicate(row);
    }

    public override void Flush()
    {
        try
        {
            if (events.Count > 0)
            {
                var stored = Move("events", "staged_events", eventColumns, events.Select(e => e.Values), ["session_id", "seq"],
                    r => (r.GetInt64(0), r.GetInt64(1)));
                foreach (var (e, _) in events)
                {
                    if (stored.Contains((e.SessionId, e.Sequence))) outcomes.Stored(e);
                    else outcomes.Duplicate(e);
                }
            }
            if (raws.Count > 0)
            {
                var stored = Move("raw", "staged_raw", RawColumns, raws.Select(ValuesOf), ["session_id", "direction", "\"offset\""],
                    r => (r.GetInt64(0), r.GetString(1), r.GetInt64(2)));
                foreach (var row in raws)
                {
                    if (stored.Contains((row.SessionId, row.Direction, row.Offset))) outcomes.Stored(row);
                    else outcomes.Duplicate(row);
                }
            }
        }
        finally
        {
            Clear();
        }
    }

    /// <summary>Copies the rows into the staging table, then into the table; returns the keys of the rows stored.</summary>
    private HashSet<TKey> Move<TKey>(string table, string staging, string[] columns, IEnumerable<object?[]> rows, string[] key,
        Func<NpgsqlDataReader, TKey> readKey)
    {
        var list = string.Join(", ", columns);
        using (var import = connection.BeginBinaryImport($"COPY {staging} ({list}) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var values in rows)
            {
                import.StartRow();
                foreach (var value in values) Write(import, bind(value));
            }
            import.Complete();
        }
        using var insert = new NpgsqlCommand(
            $"INSERT INTO {table} ({list}) SELECT {list} FROM {staging} ON CONFLICT DO NOTHING RETURNING {string.Join(", ", key)}", connection);
        using var reader = insert.ExecuteReader();
        var stored = new HashSet<TKey>();
        while (reader.Read()) stored.Add(readKey(reader));
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
            case byte[] bytes: import.Write(bytes, NpgsqlDbType.Bytea); break;
            default: throw new ArgumentException($"no column of events or raw takes a {value.GetType().Name}");
        }
    }

    public override void Clear()
    {
        events.Clear();
        raws.Clear();
        eventKeys.Clear();
        rawKeys.Clear();
    }

    public override void Dispose()
    {
    }
}
