using System.Data.Common;
using ImapProxy.QueryBench;
using ImapProxy.Storage;
using ImapProxy.Storage.Query;
using ImapProxy.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Npgsql;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine($"query-bench: {e.Message}\n{BenchOptions.Usage}");
    return 2;
}

var directory = options.Data ?? Directory.CreateTempSubdirectory("imapproxy-query-bench-").FullName;
var storage = new StorageOptions
{
    DataDirectory = directory, Store = options.Store is { } url ? StoreLocation.Parse(url) : null, Instance = options.Instance,
};
var existing = storage.Location is SqliteLocation file ? File.Exists(file.Path) : false;
try
{
    if (options.Retention)
    {
        await RetentionTimings.RunAsync(storage, options.Events, Console.Out);
        return 0;
    }
    using var store = EventStore.Open(storage);
    var sqlite = store is SqliteEventStore;
    existing = existing || Scalar(store, "SELECT count(*) FROM events") > 0;
    Console.WriteLine($"query-bench: {store.Location}, {Environment.ProcessorCount} cores, " +
                      (sqlite ? $"SQLite {Query(store, "SELECT sqlite_version()")}" : $"{Query(store, "SELECT version()")}"));

    // 1. Fill the store through the real writer, unless it is already there.
    if (!existing)
    {
        Console.WriteLine($"Ingest: {options.Events:N0} rows through EventStoreWriter");
        var ingest = await Ingest.RunAsync(store, options.Events, Console.Out);
        Console.WriteLine($"  writer: {ingest.Rows / ingest.Writing.TotalSeconds:N0} rows/s ({ingest.BusEvents / ingest.Writing.TotalSeconds:N0} bus events/s " +
                          $"with raw chunks; target >= 50,000 rows/s), {ingest.Writing.TotalSeconds:F1} s; " +
                          $"{ingest.Rows / ingest.WritingCpu.TotalSeconds:N0} rows per CPU second; raw bytes {ingest.RawBytes / 1e6 / ingest.Writing.TotalSeconds:F1} MB/s");
        Console.WriteLine($"  of which JSON serialisation (measured apart): {ingest.Serializing.TotalSeconds:F1} s, {ingest.Rows / ingest.Serializing.TotalSeconds:N0} rows/s");
        Console.WriteLine($"  traffic generation (parser + capture tap): {ingest.BusEvents / ingest.Generating.TotalSeconds:N0} events/s, {ingest.Sessions:N0} sessions");
    }

    // The writer indexes text when it is idle; what a store just filled (or migrated) has left is indexed here, timed.
    if (store.TextIndex is not null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var indexed = store.IndexAllText();
        if (indexed > 0) Console.WriteLine($"Text index: {indexed:N0} rows left to index after the writer, {indexed / clock.Elapsed.TotalSeconds:N0} rows/s");
    }

    // 2. What a row costs on disk.
    if (sqlite) Query(store, "PRAGMA wal_checkpoint(TRUNCATE)");
    else Query(store, "VACUUM ANALYZE");
    var rows = Scalar(store, "SELECT count(*) FROM events");
    // SQLite's raw bytes are in files beside the database (Sqlite/RawFiles.cs): the store is both.
    var bytes = sqlite ? new FileInfo(((SqliteEventStore)store).FilePath).Length + store.RawFiles!.UsedBytes() : Scalar(store, "SELECT pg_database_size(current_database())");
    var rawBytes = Scalar(store, $"SELECT coalesce(sum({store.Dialect.RawLength("r")}), 0) FROM raw r");
    Console.WriteLine($"Store: {bytes / 1e6:F0} MB for {rows:N0} events and {Scalar(store, "SELECT count(*) FROM sessions"):N0} sessions: " +
                      $"{(double)bytes / rows:F0} bytes/event, of which raw bytes {(double)rawBytes / rows:F0}");

    // 3. Time to the first page.
    if (options.Queries)
    {
        Console.WriteLine($"First page of {QueryTimings.PageSize} rows, median of {options.Runs} runs (* over {QueryTimings.TargetMs} ms):");
        new QueryTimings(new QueryService(store), options.Runs, Console.Out).Run();
    }

    // 4. Raw bytes at the rate of a bulk download, last: the store measured and queried above is the traffic mix alone.
    if (!existing && options.BulkMessages > 0)
    {
        var bulk = await Ingest.BulkAsync(store, options.BulkMessages, 1024 * 1024);
        Console.WriteLine($"Bulk download: {options.BulkMessages} x 1 MiB through EventStoreWriter: {bulk.RawBytes / 1e6 / bulk.Writing.TotalSeconds:N0} MB/s of raw rows " +
                          $"({bulk.RawBytes / 1e6:N0} MB in {bulk.Writing.TotalSeconds:F1} s; {bulk.RawBytes / 1e6 / bulk.WritingCpu.TotalSeconds:N0} MB per CPU second)");
    }
    return 0;
}
finally
{
    if (!options.Keep && options.Data is null) Directory.Delete(directory, recursive: true);
    else Console.WriteLine($"kept {directory}");
}

static long Scalar(EventStore store, string sql) => Convert.ToInt64(Query(store, sql));

// A connection of the bench's own, from where the store is (the store's connections are its own business).
static object? Query(EventStore store, string sql)
{
    using DbConnection connection = store switch
    {
        SqliteEventStore file => new SqliteConnection($"Data Source={file.FilePath}"),
        _ => new NpgsqlConnection(((PostgresLocation)store.Options.Location).ConnectionString),
    };
    connection.Open();
    using var command = connection.CreateCommand();
    command.CommandText = sql;
    return command.ExecuteScalar();
}
